from rightsdata.cli import run

run()
