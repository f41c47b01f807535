"""Two revision activities for the lessons: put steps in order (feedback per misplaced step) and flip flash cards.

`check_order` and `FlashCards.card` are plain functions with deterministic text (nbval compares it); `Reorder`
and `FlashCards` put them behind buttons. Lesson 04 orders the training flow; Lesson 06 revises the series.
"""

import html

import ipywidgets as widgets

from nnlab._checks import check_int, fail
from nnlab.course.quiz import _check_options, _check_text, _Shown
from nnlab.lab.render import COLORS


def check_order(answer, correct, why=None):
    """(all right, one line per position) for `answer`, a list of the steps in `correct` in some order.

    A misplaced step is told where it belongs and, if `why` has it, why: {step: reason}."""
    correct = _check_options(correct)
    if not isinstance(answer, (list, tuple)) or sorted(map(str, answer)) != sorted(correct):
        fail("answer", f"the {len(correct)} steps {sorted(correct)}, each once, in your order", answer)
    why = why or {}
    lines = []
    for position, step in enumerate(answer, start=1):
        belongs = correct.index(step) + 1
        if belongs == position:
            lines.append(f"{position}. {step}: right place.")
        else:
            reason = f" {why[step]}" if step in why else ""
            lines.append(f"{position}. {step}: belongs at position {belongs}.{reason}")
    return list(answer) == correct, lines


class Reorder(_Shown):
    """One dropdown per position; Check says which steps are misplaced and where each belongs."""

    def __init__(self, prompt, correct, start, why=None):
        self.prompt, self.correct = _check_text("prompt", prompt), _check_options(correct)
        if not isinstance(start, (list, tuple)) or sorted(start) != sorted(self.correct):
            fail("start", f"the steps {sorted(self.correct)} in the order shown first", start)
        self.why = dict(why or {})
        self.slots = [widgets.Dropdown(options=self.correct, value=step, description=f"{i}.",
                                       layout={"width": "420px"}) for i, step in enumerate(start, start=1)]
        self.button, self.feedback = widgets.Button(description="Check"), widgets.HTML()
        self.button.on_click(lambda _: self.check())
        self.widget = widgets.VBox([widgets.HTMLMath(self.prompt), *self.slots, self.button, self.feedback])

    def check(self, order=None):
        """Check `order` (default: what the dropdowns show); show and return (all right, lines)."""
        if order is not None:
            for slot, step in zip(self.slots, order):
                slot.value = step
        right, lines = check_order([slot.value for slot in self.slots], self.correct, self.why)
        color, head = (COLORS["green"], "Correct!") if right else (COLORS["class1"], "Not yet.")
        self.feedback.value = f'<b style="color:{color}">{head}</b><br>' + "<br>".join(map(html.escape, lines))
        return right, lines

    def __repr__(self):
        """The prompt and the steps in the order the dropdowns show them: what a reader without widgets sees."""
        steps = "".join(f"\n  {i}. {slot.value}" for i, slot in enumerate(self.slots, start=1))
        return f"Reorder({len(self.correct)} steps): {self.prompt}{steps}"


class FlashCards(_Shown):
    """A deck of (front, back) cards: Flip shows the back, Next the following card (revision over the series)."""

    def __init__(self, cards):
        if not isinstance(cards, (list, tuple)) or not cards or \
                not all(isinstance(c, (list, tuple)) and len(c) == 2 for c in cards):
            fail("cards", "a non-empty list of (front, back) pairs of text", cards, error=TypeError)
        self.cards = [(_check_text(f"cards[{i}][0]", f), _check_text(f"cards[{i}][1]", b))
                      for i, (f, b) in enumerate(cards)]
        self.index, self.flipped = 0, False
        self.text = widgets.HTMLMath(layout={"min_height": "90px", "border": "1px solid #999", "padding": "8px",
                                             "width": "560px"})
        self.flip_button, self.next_button = widgets.Button(description="Flip"), widgets.Button(description="Next")
        self.flip_button.on_click(lambda _: self.flip())
        self.next_button.on_click(lambda _: self.next())
        self.widget = widgets.VBox([self.text, widgets.HBox([self.flip_button, self.next_button])])
        self._show()

    def card(self, index=None, flipped=None):
        """The text of card `index` (default: the current one), its front or, flipped, its back."""
        index = self.index if index is None else check_int("index", index, minimum=0)
        if index >= len(self.cards):
            fail("index", f"a card number from 0 to {len(self.cards) - 1}", index)
        flipped = self.flipped if flipped is None else flipped
        front, back = self.cards[index]
        side = f"Answer: {back}" if flipped else f"{front} (think of the answer, then Flip)"
        return f"Card {index + 1} of {len(self.cards)}. {side}"

    def _show(self):
        self.text.value = html.escape(self.card())
        return self.card()

    def flip(self):
        self.flipped = not self.flipped
        return self._show()

    def next(self):
        self.index, self.flipped = (self.index + 1) % len(self.cards), False
        return self._show()

    def __repr__(self):
        return f"FlashCards({len(self.cards)} cards)"
