"""gapkit: score police forces' APSP plans against the NPCC national strategy and HMICFRS recommendations."""

__version__ = "0.1.0"
