"""The course: what the lessons use around the network, the twin and the lab: lesson set-up, explorers and
their thin widgets, quizzes and exercise checks, diagrams, evaluation plots and lesson helpers.

It may import every other part; nothing else imports it. Every lesson starts with `nnlab.course.setup()`.
"""

from nnlab.course.lesson import setup
