"""rightsdata: a data package of human rights and child labor recommendations and reports, and the
tools that build and check it."""

import csv

__version__ = "0.1.0"

# Python's csv module refuses a cell over 128 KiB by default; frictionless, the reference, reads
# cells of up to 2 GiB, and so does every reader here (validate's line maps, format, importers).
csv.field_size_limit(max(csv.field_size_limit(), 2_147_483_646))
