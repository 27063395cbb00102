"""efmcat: a command-line research catalog for efficient large foundation models."""

__version__ = "0.1.0"
