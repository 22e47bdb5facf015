from victimcare.cli import main

raise SystemExit(main())
