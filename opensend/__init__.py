"""OpenSEND: software for local area SEND partnerships in England."""

__version__ = "0.1.0"
