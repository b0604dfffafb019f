"""The evaluation question bank (Kirkpatrick levels 1 to 3), as data.

The same confidence items are asked before and after the course, on the same 7-point scale, so the
change in each is measurable for the people who answered both (Kirkpatrick level 2, self-rated).
After the course come the reaction items (level 1) and a free-text question; eight weeks after
completion the follow-up asks whether she has recognised or responded to abuse since (level 3).

Sources, paraphrased, not copied (``shared/research/training-certificates-feedback.md``): the
7-point confidence scales of DA Matters (SafeLives), the IRIS programme's pre/post-training
questionnaires for general practice, and Haringey's three-stage evaluation (before, after,
follow-up) of its domestic-abuse training.

Item keys are stored in ``EvaluationAnswer.item``: never rename one that has answers.
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import EvaluationKind

LIKERT = range(1, 8)


@dataclass(frozen=True)
class Scale:
    """A 7-point scale with its two ends labelled (the middle points are numbers only)."""

    low: str
    high: str


CONFIDENCE_SCALE = Scale(low="Not at all confident", high="Very confident")
AGREEMENT_SCALE = Scale(low="Strongly disagree", high="Strongly agree")


@dataclass(frozen=True)
class LikertItem:
    key: str  # stored; at most 40 characters
    question: str
    short: str  # for the summary table
    error: str  # GOV.UK error message when it is not answered
    scale: Scale


CONFIDENCE_ITEMS: tuple[LikertItem, ...] = (
    LikertItem(
        "confidence_recognise",
        "How confident are you that you could recognise the signs of domestic abuse?",
        "Recognising the signs of domestic abuse",
        "Select how confident you are that you could recognise the signs of domestic abuse",
        CONFIDENCE_SCALE,
    ),
    LikertItem(
        "confidence_ask",
        "How confident are you that you could ask someone about domestic abuse safely?",
        "Asking about domestic abuse safely",
        "Select how confident you are that you could ask someone about domestic abuse safely",
        CONFIDENCE_SCALE,
    ),
    LikertItem(
        "confidence_respond",
        "How confident are you that you could respond and refer to the right service?",
        "Responding and referring to the right service",
        "Select how confident you are that you could respond and refer to the right service",
        CONFIDENCE_SCALE,
    ),
    LikertItem(
        "confidence_coercive_control",
        "How confident are you that you understand coercive and controlling behaviour?",
        "Understanding coercive and controlling behaviour",
        "Select how confident you are that you understand coercive and controlling behaviour",
        CONFIDENCE_SCALE,
    ),
    LikertItem(
        "confidence_risk",
        "How confident are you that you could recognise when someone is at high risk of harm?",
        "Recognising high risk of harm",
        "Select how confident you are that you could recognise when someone is at high risk",
        CONFIDENCE_SCALE,
    ),
)

REACTION_ITEMS: tuple[LikertItem, ...] = (
    LikertItem(
        "reaction_relevant",
        "The course was relevant to my work",
        "The course was relevant to my work",
        "Select how much you agree that the course was relevant to your work",
        AGREEMENT_SCALE,
    ),
    LikertItem(
        "reaction_recommend",
        "I would recommend the course to a colleague",
        "I would recommend the course",
        "Select how much you agree that you would recommend the course to a colleague",
        AGREEMENT_SCALE,
    ),
)

LIKERT_ITEMS: dict[EvaluationKind, tuple[LikertItem, ...]] = {
    EvaluationKind.BEFORE: CONFIDENCE_ITEMS,
    EvaluationKind.AFTER: CONFIDENCE_ITEMS + REACTION_ITEMS,
    EvaluationKind.FOLLOW_UP: (),
}

# The follow-up's two yes/no questions (stored in Evaluation.recognised_abuse / responded_to_abuse).
RECOGNISED_QUESTION = "Since the course, have you recognised domestic abuse?"
RECOGNISED_ERROR = "Select yes if you have recognised domestic abuse since the course"
RESPONDED_QUESTION = (
    "Since the course, have you responded to domestic abuse (for example, asked someone about "
    "it, referred them or told them where to get help)?"
)
RESPONDED_ERROR = "Select yes if you have responded to domestic abuse since the course"

# Free text: protected (Evaluation.comments is encrypted), optional.
COMMENTS_QUESTION: dict[EvaluationKind, str | None] = {
    EvaluationKind.BEFORE: None,
    EvaluationKind.AFTER: "What could we do better?",
    EvaluationKind.FOLLOW_UP: "Is there anything else you would like to tell us? (optional)",
}
COMMENTS_HINT = "Do not include anyone's name or details that could identify them."
COMMENTS_LIMIT = 2000

TITLES: dict[EvaluationKind, str] = {
    EvaluationKind.BEFORE: "Before your course",
    EvaluationKind.AFTER: "After your course",
    EvaluationKind.FOLLOW_UP: "Eight weeks after your course",
}
KIND_WORDS: dict[EvaluationKind, str] = {
    EvaluationKind.BEFORE: "Before the course",
    EvaluationKind.AFTER: "After the course",
    EvaluationKind.FOLLOW_UP: "Follow-up",
}


def likert_items(kind: EvaluationKind) -> tuple[LikertItem, ...]:
    """The Likert items asked in an evaluation of this kind, in order."""
    return LIKERT_ITEMS[kind]
