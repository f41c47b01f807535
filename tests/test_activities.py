"""nnlab.course.activities: ordering the steps with feedback per misplaced step, and flash cards, driven headlessly."""

import itertools

import pytest

from nnlab.course.activities import FlashCards, Reorder, check_order

STEPS = ["forward pass", "loss", "backward pass", "update", "next batch"]


@pytest.mark.parametrize("answer", list(itertools.permutations(STEPS))[::7], ids=str)
def test_check_order_names_exactly_the_misplaced_steps(answer):
    right, lines = check_order(list(answer), STEPS)
    assert right == (list(answer) == STEPS)
    for position, (step, line) in enumerate(zip(answer, lines), start=1):
        assert line.startswith(f"{position}. {step}: ")
        wanted = STEPS.index(step) + 1
        assert line.endswith("right place.") if wanted == position else f"belongs at position {wanted}." in line


def test_check_order_explains_why_and_refuses_a_wrong_set():
    right, lines = check_order(["loss", "forward pass", *STEPS[2:]], STEPS, why={"loss": "It needs the prediction."})
    assert not right and lines[0] == "1. loss: belongs at position 2. It needs the prediction."
    with pytest.raises(ValueError, match="`answer` must be the 5 steps"):
        check_order(STEPS[:4] + ["loss"], STEPS)


def test_reorder_widget_checks_what_its_dropdowns_show():
    exercise = Reorder("Order the training step.", STEPS, start=STEPS[::-1])
    assert [slot.value for slot in exercise.slots] == STEPS[::-1]
    assert repr(exercise) == "Reorder(5 steps): Order the training step." + "".join(
        f"\n  {i}. {step}" for i, step in enumerate(STEPS[::-1], start=1))
    right, _ = exercise.check()
    assert not right and "Not yet." in exercise.feedback.value and "belongs at position 1" in exercise.feedback.value
    right, lines = exercise.check(STEPS)
    assert right and "Correct!" in exercise.feedback.value and all(l.endswith("right place.") for l in lines)
    exercise.button.click()
    assert "Correct!" in exercise.feedback.value
    with pytest.raises(ValueError, match="`start` must be"):
        Reorder("x", STEPS, start=STEPS[:3])


def test_flash_cards_flip_and_go_round():
    deck = FlashCards([("What does compile choose?", "The optimizer, the loss and the metrics."),
                       ("What is an epoch?", "One pass over the training data.")])
    assert deck.card() == "Card 1 of 2. What does compile choose? (think of the answer, then Flip)"
    deck.flip_button.click()
    assert deck.card() == "Card 1 of 2. Answer: The optimizer, the loss and the metrics."
    assert "Answer: The optimizer" in deck.text.value
    deck.next_button.click()
    assert deck.card().startswith("Card 2 of 2. What is an epoch?")
    deck.next(), deck.flip()
    assert deck.card(index=1, flipped=True) == "Card 2 of 2. Answer: One pass over the training data."
    assert deck.card() == "Card 1 of 2. Answer: The optimizer, the loss and the metrics."
    with pytest.raises(ValueError, match="`index` must be a card number from 0 to 1"):
        deck.card(index=2)
    with pytest.raises(TypeError, match="`cards` must be"):
        FlashCards([("only a front",)])
