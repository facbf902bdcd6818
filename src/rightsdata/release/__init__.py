"""Releases, the last step of the flow sources -> import -> data -> validate -> release.

  opening     a package to compare: a directory, a zip (a release) or a git ref; its rows by key
  diff        what changed between two versions of the package (`rightsdata diff`)
  versioning  whether the version number says so (`rightsdata check-version`)
  assets      the files users download, built from the validation's loaded tables (`rightsdata release`)
"""

from rightsdata import archive

# One error for whatever a release reads or writes and cannot (exit 2).
ReleaseError = archive.ArchiveError
