from rightsdata.cli import main

main()
