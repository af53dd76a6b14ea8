from g2fit.cli import main

raise SystemExit(main())
