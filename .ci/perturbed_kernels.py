"""Prove that CI's second nbval pass really runs other numeric kernels: the same float32 products, other last bits.

Run with no arguments: it computes a (200, 64) @ (64, 25) float32 product in NumPy and in TensorFlow twice, in
fresh processes, once with the default kernels and once with PERTURBED set, and fails if either library gives
bit-identical results both times (then the second pass would prove nothing about other machines).
"""

import os
import platform
import subprocess
import sys

PERTURBED = {"OPENBLAS_CORETYPE": "Prescott",   # NumPy's OpenBLAS: plain SSE3 kernels instead of AVX2/AVX-512
             "ONEDNN_MAX_CPU_ISA": "SSE41"}     # TensorFlow's oneDNN matmul: SSE4.1 kernels

PRODUCT = """
import os, sys
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
import numpy as np
rng = np.random.default_rng(0)
a, b = rng.standard_normal((200, 64)).astype("float32"), rng.standard_normal((64, 25)).astype("float32")
import tensorflow as tf
sys.stdout.write((a @ b).tobytes().hex() + " " + tf.matmul(a, b).numpy().tobytes().hex())
"""


def products(extra_env):
    env = {key: value for key, value in os.environ.items() if key not in PERTURBED} | extra_env
    out = subprocess.run([sys.executable, "-c", PRODUCT], env=env, capture_output=True, text=True, check=True)
    return out.stdout.split()


def main():
    if platform.machine() not in ("x86_64", "AMD64"):
        print(f"perturbed kernels: {platform.machine()} is not x86, the settings {PERTURBED} do not apply")
        return 1
    plain = products({})
    perturbed = products(PERTURBED)
    same = [name for name, p, q in zip(("NumPy", "TensorFlow"), plain, perturbed) if p == q]
    for name, p, q in zip(("NumPy", "TensorFlow"), plain, perturbed):
        print(f"perturbed kernels: {name} float32 product {'UNCHANGED' if p == q else 'changed in its last bits'}")
    return 1 if same else 0


if __name__ == "__main__":
    sys.exit(main())
