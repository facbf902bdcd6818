"""rightsdata: a data package of human rights and child labor recommendations and reports, and the
tools that build and check it."""

__version__ = "0.1.0"
