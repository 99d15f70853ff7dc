"""Text classification for triage: pure predictors built from fitted parameters.

Training lives in ``router.classify.train`` (scikit-learn, imported only when training);
model files and datasets are read in ``config/``. Everything exported here is pure and
numpy-only, so routing with a model never loads scikit-learn.
"""

from router.classify.features import NgramSpec, compose_text, ticket_text
from router.classify.linear import (
    EmbeddingBlock,
    LinearTextModel,
    NgramBlock,
    TextEmbedder,
    WeightArray,
)
from router.classify.metrics import (
    TRIAGE,
    AbstainReport,
    ClassificationReport,
    ThresholdOutcome,
    abstain_report,
    calibration_error,
    classification_report,
    threshold_sweep,
)
from router.classify.predictor import TARGETS, Classifier, TargetModel, TicketClassifier
from router.classify.rule_parts import (
    ConfidenceTest,
    GroupFromPrediction,
    PriorityFromPrediction,
    SkillFromPrediction,
)

__all__ = [
    "TARGETS",
    "TRIAGE",
    "AbstainReport",
    "ClassificationReport",
    "Classifier",
    "ConfidenceTest",
    "EmbeddingBlock",
    "GroupFromPrediction",
    "LinearTextModel",
    "NgramBlock",
    "NgramSpec",
    "PriorityFromPrediction",
    "SkillFromPrediction",
    "TargetModel",
    "TextEmbedder",
    "ThresholdOutcome",
    "TicketClassifier",
    "WeightArray",
    "abstain_report",
    "calibration_error",
    "classification_report",
    "compose_text",
    "threshold_sweep",
    "ticket_text",
]
