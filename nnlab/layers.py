"""Layers: Input, Dense and Flatten, each with its forward pass and its backward pass side by side (keras.layers).

A layer caches what its forward pass saw, so that `backward` can turn dL/d(output) into dL/d(input)
and the gradients of its own weights. Lesson 01 builds a Dense layer, Lesson 04 its backward pass.
"""

import warnings

import numpy as np

from nnlab import activations, initializers
from nnlab._checks import check_bool, check_choice, check_int, fail

DTYPES = ("float32", "float64")


def _check_shape(shape):
    """A shape tuple of positive ints, from an int or a sequence (Keras: Input(shape=(2,)))."""
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
        shape = (shape,)
    expected = "a tuple of positive whole numbers such as (2,) (the features of ONE sample)"
    if not isinstance(shape, (tuple, list)) or not shape:
        fail("shape", expected, shape, error=TypeError)
    for n in shape:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
            fail("shape", expected, tuple(shape), error=TypeError)
        if n < 1:
            fail("shape", expected, tuple(shape), "Every entry must be at least 1.")
    return tuple(int(n) for n in shape)


class Input:
    """Declares the shape of one sample, without the batch axis: Input(shape=(2,)) takes x of shape (batch, 2).

    `dtype` is the dtype of the data fed in. As in Keras 3, it does not set the layers' dtype: every Dense
    layer computes in its own dtype (float32 unless given dtype="float64"), x is cast to it, and the weights and
    outputs have it. So Input((2,), dtype="float64") before Dense(3) computes in float32, exactly as
    keras.Sequential([keras.Input((2,), dtype="float64"), keras.layers.Dense(3)]); nnlab warns about it there,
    Keras stays silent.
    """

    def __init__(self, shape, dtype="float32"):
        self.shape = _check_shape(shape)
        self.dtype = check_choice("dtype", dtype, DTYPES)

    def __repr__(self):
        return f"Input(shape={self.shape})"


class Dense:
    """A fully connected layer: output = activation(dot(input, kernel) + bias).

    Shapes: input (batch, n_in), kernel (n_in, units), bias (units,), output (batch, units).
    """

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", dtype="float32", name=None):
        self.units = check_int("units", units, minimum=1)
        self.activation = activations.get(activation)
        self.use_bias = check_bool("use_bias", use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer, argument="kernel_initializer")
        self.bias_initializer = initializers.get(bias_initializer, argument="bias_initializer")
        self.dtype = check_choice("dtype", dtype, DTYPES)
        self.name = name
        self.kernel = self.bias = None
        if self.units == 1 and self.activation is activations.softmax:
            warnings.warn("Dense(1, activation='softmax') always outputs 1: softmax shares probability among units. "
                          "For one yes/no output use activation='sigmoid'.", stacklevel=2)

    @property
    def built(self):
        return self.kernel is not None

    def build(self, input_shape):
        """Create the weights for inputs of shape (n_in,) with the initializers."""
        if len(input_shape) != 1:
            raise ValueError(f"A Dense layer takes samples that are vectors, shape (n_features,), but this one gets "
                             f"samples of shape {tuple(input_shape)}. Put a Flatten() layer first to turn each "
                             "sample into a vector.")
        self.kernel = self.kernel_initializer((input_shape[0], self.units), dtype=self.dtype)  # (n_in, units)
        self.bias = self.bias_initializer((self.units,), dtype=self.dtype) if self.use_bias else None

    @property
    def weights(self):
        """The weight arrays themselves (not copies), in Keras order: [kernel, bias]; [] before the layer is built."""
        if not self.built:
            return []
        return [self.kernel] if self.bias is None else [self.kernel, self.bias]

    def output_shape(self, input_shape):
        return (self.units,)

    def forward(self, x):
        """z = x @ kernel + bias, a = activation(z); keeps x and z for the backward pass."""
        z = x @ self.kernel  # (batch, units)
        if self.bias is not None:
            z = z + self.bias
        self.x, self.z = x, z
        return self.activation(z)

    def backward(self, dL_da):
        """From dL/da to (dL/dx, [dL/dkernel, dL/dbias]) through the activation, then the affine map."""
        return self.backward_from_z(activations.backward(self.activation, self.z, dL_da))

    def backward_from_z(self, dL_dz):
        """dL/dkernel = x.T @ dL/dz, dL/dbias = sum over the batch of dL/dz, dL/dx = dL/dz @ kernel.T."""
        dL_dW = self.x.T @ dL_dz  # (n_in, units)
        grads = [dL_dW] if self.bias is None else [dL_dW, dL_dz.sum(axis=0)]
        return dL_dz @ self.kernel.T, grads  # (batch, n_in)

    def __repr__(self):
        return f"Dense({self.units}, activation={self.activation.__name__!r})"


class Flatten:
    """Reshape each sample into a vector: (batch, 8, 8) -> (batch, 64). No weights; Lesson 03 uses it."""

    def __init__(self, name=None):
        self.name = name
        self.weights = []
        self.built = True

    def build(self, input_shape):
        pass

    def output_shape(self, input_shape):
        return (int(np.prod(input_shape)),)

    def forward(self, x):
        self.input_shape = x.shape
        return x.reshape(len(x), -1)

    def backward(self, dL_da):
        return dL_da.reshape(self.input_shape), []

    def __repr__(self):
        return "Flatten()"
