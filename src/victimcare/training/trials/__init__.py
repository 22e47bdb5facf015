"""Built-in trials of care practices: a force randomises a care practice at case level
(e.g. a reassurance call-back within 2 working days of the report), the treated cases owe
the practice as a Victims' Code-style obligation, and the effect on what victims say is
estimated as the training's is.

- ``constants``: the practices a trial can test and the arms;
- ``models``: ``Trial``, its registered ``TrialPlan`` (append-only) and each case's
  ``TrialAllocation`` (append-only);
- ``allocation``: the deterministic draw from the seed and the case reference (no Django);
- ``services``: registering a plan, allocating cases (and the case-creation listener);
- ``selectors``: what staff may see, allocation counts and the effect's columns;
- ``effect``: the survey-weighted regression (no Django);
- ``commands``: ``victimcare trial ...``; ``views``: the trial pages.
"""
