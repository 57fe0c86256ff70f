from aviso.cli import main

main()
