"""The rule sets migration 0006 loads, frozen as they were when that migration was written
(issue 15: Rights 5 and 10, compensation information at the needs assessment and
information about property held, added to each rule set as a new version). Never edit it:
see ``_0002_data``."""

# The ``rule_set_*.json`` files of care/data, in the order of their file names.
RULE_SETS = [
    {
        "code": "tvc",
        "name": "Total Victim Care (the 2020 Code and a visit offered to every victim)",
        "national": False,
        "rules": [
            {
                "code": "visit_offer",
                "title": "Offer the victim a visit from an officer",
                "description": "A local promise of Total Victim Care, not a Victims' Code "
                "entitlement: every victim is offered a visit within 1 working day of "
                "the report.",
                "trigger": {"event": "report_recorded"},
                "pattern": "once",
                "deadline": {"working_days": 1},
                "applies_to": {"victims": "all", "consent": "none"},
                "local": True,
                "met_by": [
                    {"event": "visit_offered"},
                    {"event": "visit_accepted"},
                    {"event": "visit_declined"},
                    {"event": "visit_done"},
                ],
                "cancelled_by": [],
            },
            {
                "code": "written_information",
                "title": "Send written information about the Victims' Code and what happens next",
                "description": "Within 5 working days of the report, the victim gets written "
                "information: what to expect, their rights under the Code, the crime "
                "reference and how to reach the officer. The Code says 'without "
                "unnecessary delay'; 5 working days is the local standard.",
                "trigger": {"event": "report_recorded"},
                "pattern": "once",
                "deadline": {"working_days": 5},
                "applies_to": {"victims": "all", "consent": "none"},
                "met_by": [
                    {"event": "written_information_sent"},
                    {"event": "contact_made", "covers": True},
                ],
                "cancelled_by": [],
            },
            {
                "code": "support_referral",
                "title": "Refer the victim to support services",
                "description": "Within 2 working days of the report, pass the victim's details to "
                "victim support services. Automatic unless the victim objects; for "
                "sexual offences, domestic abuse and bereaved relatives only with the "
                "victim's explicit agreement.",
                "trigger": {"event": "report_recorded"},
                "pattern": "once",
                "deadline": {"working_days": 2},
                "applies_to": {"victims": "all", "consent": "crime_type"},
                "met_by": [{"event": "referral_sent"}],
                "cancelled_by": [
                    {"event": "referral_declined", "reason": "The victim objected to a referral"}
                ],
            },
            {
                "code": "needs_assessment",
                "title": "Assess the victim's needs",
                "description": "A local standard (the Code gives no day count): within 5 working "
                "days of the report, assess what the victim needs (information, "
                "practical help, emotional support, safety, language, disability), "
                "whether they are entitled to enhanced rights, how often they want "
                "updates, and whether they object to a referral.",
                "trigger": {"event": "report_recorded"},
                "pattern": "once",
                "deadline": {"working_days": 5},
                "applies_to": {"victims": "all", "consent": "none"},
                "local": True,
                "met_by": [{"event": "needs_assessed"}],
                "cancelled_by": [],
            },
            {
                "code": "decision_update",
                "title": "Tell the victim about the decision, with reasons",
                "description": "After an arrest, an interview under caution, a release under "
                "investigation, bail (granted, changed or cancelled), a charge, a "
                "caution or community resolution, no further action or an arrest "
                "warrant, tell the victim within 5 working days, or within 1 working "
                "day for enhanced victims, with the reasons.",
                "trigger": {
                    "event": "decision",
                    "outcomes": [
                        "arrest",
                        "interview_under_caution",
                        "released_under_investigation",
                        "bail",
                        "bail_varied",
                        "bail_cancelled",
                        "charge",
                        "caution",
                        "community_resolution",
                        "no_further_action",
                        "arrest_warrant",
                    ],
                },
                "pattern": "each",
                "deadline": {"working_days": 5, "enhanced_working_days": 1},
                "applies_to": {"victims": "all", "consent": "none"},
                "met_by": [{"event": "contact_made"}, {"event": "message_to_victim"}],
                "cancelled_by": [],
            },
            {
                "code": "investigation_update",
                "title": "Update the victim during the investigation",
                "description": "From the report until the case is closed, whether or not a suspect "
                "is known, update the victim as often as they agreed at the needs "
                "assessment (every 28 days where they did not say).",
                "trigger": {"event": "report_recorded"},
                "pattern": "recurring",
                "deadline": {"every_days": 28, "agreed_frequency": True},
                "applies_to": {"victims": "all", "consent": "none"},
                "met_by": [{"event": "contact_made"}, {"event": "message_to_victim"}],
                "cancelled_by": [{"event": "case_closed", "reason": "The case was closed"}],
            },
            {
                "code": "not_investigated_notice",
                "title": "Tell the victim the crime will not be investigated, with reasons",
                "description": "Within 5 working days of deciding not to investigate (1 working day "
                "for enhanced victims), tell the victim why, and offer them a "
                "referral to support services.",
                "trigger": {"event": "decision", "outcomes": ["not_investigated"]},
                "pattern": "once",
                "deadline": {"working_days": 5, "enhanced_working_days": 1},
                "applies_to": {"victims": "all", "consent": "none"},
                "met_by": [{"event": "contact_made"}, {"event": "message_to_victim"}],
                "cancelled_by": [],
            },
            {
                "code": "vrr_information",
                "title": "Tell the victim about their Right to Review",
                "description": "Where a suspect was interviewed under caution and the police then "
                "decide not to charge, or give a caution or community resolution, "
                "tell the victim within 5 working days how to ask for a review under "
                "the Victims' Right to Review scheme (they have 3 months to ask).",
                "trigger": {
                    "event": "decision",
                    "outcomes": ["no_further_action", "caution", "community_resolution"],
                    "after": {"event": "decision", "outcomes": ["interview_under_caution"]},
                },
                "pattern": "each",
                "deadline": {"working_days": 5},
                "applies_to": {"victims": "all", "consent": "none"},
                "met_by": [
                    {"event": "contact_made", "covers": True},
                    {"event": "written_information_sent", "covers": True},
                    {"event": "message_to_victim", "covers": True},
                ],
                "cancelled_by": [],
            },
            {
                "code": "vrr_acknowledgement",
                "title": "Acknowledge the victim's request for a review",
                "description": "Within 10 working days of a victim asking for a review under the "
                "Victims' Right to Review scheme, acknowledge the request.",
                "trigger": {"event": "vrr_requested"},
                "pattern": "each",
                "deadline": {"working_days": 10},
                "applies_to": {"victims": "all", "consent": "none"},
                "met_by": [{"event": "vrr_acknowledged"}, {"event": "vrr_decided"}],
                "cancelled_by": [],
            },
            {
                "code": "vrr_decision",
                "title": "Decide the victim's request for a review",
                "description": "Within 30 working days of a victim asking for a review under the "
                "Victims' Right to Review scheme, decide it and tell the victim.",
                "trigger": {"event": "vrr_requested"},
                "pattern": "each",
                "deadline": {"working_days": 30},
                "applies_to": {"victims": "all", "consent": "none"},
                "met_by": [{"event": "vrr_decided"}],
                "cancelled_by": [],
            },
            {
                "code": "vps_offer",
                "title": "Offer the victim a Victim Personal Statement",
                "description": "When the victim's witness statement is taken, and again when a "
                "suspect is charged, offer the victim the chance to make a Victim "
                "Personal Statement, within 5 working days.",
                "trigger": [
                    {"event": "statement_taken"},
                    {"event": "decision", "outcomes": ["charge"]},
                ],
                "pattern": "each",
                "deadline": {"working_days": 5},
                "applies_to": {"victims": "all", "consent": "none"},
                "met_by": [{"event": "vps_offered"}, {"event": "contact_made", "covers": True}],
                "cancelled_by": [],
            },
            {
                "code": "vps_offer_bereaved",
                "title": "Offer a bereaved relative a Victim Personal Statement",
                "description": "Close relatives bereaved by crime are offered a Victim Personal "
                "Statement whether or not they made a witness statement: within 5 "
                "working days of the report.",
                "trigger": {"event": "report_recorded"},
                "pattern": "once",
                "deadline": {"working_days": 5},
                "applies_to": {
                    "victims": "all",
                    "consent": "none",
                    "crime_types": ["homicide-bereaved"],
                },
                "met_by": [{"event": "vps_offered"}, {"event": "contact_made", "covers": True}],
                "cancelled_by": [],
            },
            {
                "code": "complaint_acknowledgement",
                "title": "Acknowledge the victim's complaint",
                "description": "A local standard, not a deadline in the Code: acknowledge a "
                "complaint about the service (Code right 12) within 10 working days.",
                "trigger": {"event": "complaint_made"},
                "pattern": "each",
                "deadline": {"working_days": 10},
                "applies_to": {"victims": "all", "consent": "none"},
                "local": True,
                "met_by": [{"event": "complaint_acknowledged"}],
                "cancelled_by": [],
            },
            {
                "code": "compensation_information",
                "title": "Tell the victim about compensation",
                "description": "Right 5: at the needs assessment, tell the victim how they may be "
                "compensated: a claim to the Criminal Injuries Compensation Scheme "
                "for an injury from a violent crime, and a compensation order the "
                "court can make if someone is convicted. The Code gives no day count: "
                "the local standard is the needs assessment's, 5 working days from "
                "the report. Met by a needs assessment, contact or written "
                "information that says it covered compensation.",
                "trigger": {"event": "report_recorded"},
                "pattern": "once",
                "deadline": {"working_days": 5},
                "applies_to": {"victims": "all", "consent": "none"},
                "local": True,
                "met_by": [
                    {"event": "needs_assessed", "covers": True},
                    {"event": "contact_made", "covers": True},
                    {"event": "written_information_sent", "covers": True},
                    {"event": "message_to_victim", "covers": True},
                ],
                "cancelled_by": [],
            },
            {
                "code": "property_information",
                "title": "Tell the victim about their property held",
                "description": "Right 10: when the police hold the victim's property, tell them what "
                "is held, why, and when they can expect it back (it is returned as "
                "soon as possible). The Code gives no day count: 5 working days from "
                "when the property is recorded as held is the local standard. Met by "
                "a contact or message that says it covered the property, or by giving "
                "the property back.",
                "trigger": {"event": "property_recorded"},
                "pattern": "each",
                "deadline": {"working_days": 5},
                "applies_to": {"victims": "all", "consent": "none"},
                "local": True,
                "met_by": [
                    {"event": "contact_made", "covers": True},
                    {"event": "message_to_victim", "covers": True},
                    {"event": "written_information_sent", "covers": True},
                    {"event": "property_returned"},
                ],
                "cancelled_by": [],
            },
        ],
    },
    {
        "code": "vc2015",
        "name": "Code of Practice for Victims of Crime (2015)",
        "in_force_from": "2015-11-16",
        "national": True,
        "rules": [
            {
                "code": "written_information",
                "title": "Send written information about the Victims' Code and what happens next",
                "description": "Within 5 working days of the report, the victim gets written "
                "information: what to expect, their rights under the Code, the crime "
                "reference and how to reach the officer. The Code says 'without "
                "unnecessary delay'; 5 working days is the local standard.",
                "trigger": {"event": "report_recorded"},
                "pattern": "once",
                "deadline": {"working_days": 5},
                "applies_to": {"victims": "all", "consent": "none"},
                "met_by": [
                    {"event": "written_information_sent"},
                    {"event": "contact_made", "covers": True},
                ],
                "cancelled_by": [],
            },
            {
                "code": "support_referral",
                "title": "Refer the victim to support services",
                "description": "Within 2 working days of the report, pass the victim's details to "
                "victim support services. Automatic unless the victim objects; for "
                "sexual offences, domestic abuse and bereaved relatives only with the "
                "victim's explicit agreement.",
                "trigger": {"event": "report_recorded"},
                "pattern": "once",
                "deadline": {"working_days": 2},
                "applies_to": {"victims": "all", "consent": "crime_type"},
                "met_by": [{"event": "referral_sent"}],
                "cancelled_by": [
                    {"event": "referral_declined", "reason": "The victim objected to a referral"}
                ],
            },
            {
                "code": "needs_assessment",
                "title": "Assess the victim's needs",
                "description": "A local standard (the Code gives no day count): within 5 working "
                "days of the report, assess what the victim needs (information, "
                "practical help, emotional support, safety, language, disability), "
                "whether they are entitled to enhanced rights, how often they want "
                "updates, and whether they object to a referral.",
                "trigger": {"event": "report_recorded"},
                "pattern": "once",
                "deadline": {"working_days": 5},
                "applies_to": {"victims": "all", "consent": "none"},
                "local": True,
                "met_by": [{"event": "needs_assessed"}],
                "cancelled_by": [],
            },
            {
                "code": "decision_update",
                "title": "Tell the victim about the decision, with reasons",
                "description": "After an arrest, an interview under caution, a release under "
                "investigation, bail (granted, changed or cancelled), a charge, a "
                "caution or community resolution, no further action or an arrest "
                "warrant, tell the victim within 5 working days, or within 1 working "
                "day for enhanced victims, with the reasons.",
                "trigger": {
                    "event": "decision",
                    "outcomes": [
                        "arrest",
                        "interview_under_caution",
                        "released_under_investigation",
                        "bail",
                        "bail_varied",
                        "bail_cancelled",
                        "charge",
                        "caution",
                        "community_resolution",
                        "no_further_action",
                        "arrest_warrant",
                    ],
                },
                "pattern": "each",
                "deadline": {"working_days": 5, "enhanced_working_days": 1},
                "applies_to": {"victims": "all", "consent": "none"},
                "met_by": [{"event": "contact_made"}, {"event": "message_to_victim"}],
                "cancelled_by": [],
            },
            {
                "code": "investigation_update",
                "title": "Update the victim during the investigation",
                "description": "From the report until the case is closed, whether or not a suspect "
                "is known, update the victim as often as they agreed at the needs "
                "assessment (every 28 days where they did not say).",
                "trigger": {"event": "report_recorded"},
                "pattern": "recurring",
                "deadline": {"every_days": 28, "agreed_frequency": True},
                "applies_to": {"victims": "all", "consent": "none"},
                "met_by": [{"event": "contact_made"}, {"event": "message_to_victim"}],
                "cancelled_by": [{"event": "case_closed", "reason": "The case was closed"}],
            },
            {
                "code": "not_investigated_notice",
                "title": "Tell the victim the crime will not be investigated, with reasons",
                "description": "Within 5 working days of deciding not to investigate (1 working day "
                "for enhanced victims), tell the victim why, and offer them a "
                "referral to support services.",
                "trigger": {"event": "decision", "outcomes": ["not_investigated"]},
                "pattern": "once",
                "deadline": {"working_days": 5, "enhanced_working_days": 1},
                "applies_to": {"victims": "all", "consent": "none"},
                "met_by": [{"event": "contact_made"}, {"event": "message_to_victim"}],
                "cancelled_by": [],
            },
            {
                "code": "vrr_information",
                "title": "Tell the victim about their Right to Review",
                "description": "Where a suspect was interviewed under caution and the police then "
                "decide not to charge, or give a caution or community resolution, "
                "tell the victim within 5 working days how to ask for a review under "
                "the Victims' Right to Review scheme (they have 3 months to ask).",
                "trigger": {
                    "event": "decision",
                    "outcomes": ["no_further_action", "caution", "community_resolution"],
                    "after": {"event": "decision", "outcomes": ["interview_under_caution"]},
                },
                "pattern": "each",
                "deadline": {"working_days": 5},
                "applies_to": {"victims": "all", "consent": "none"},
                "met_by": [
                    {"event": "contact_made", "covers": True},
                    {"event": "written_information_sent", "covers": True},
                    {"event": "message_to_victim", "covers": True},
                ],
                "cancelled_by": [],
            },
            {
                "code": "vrr_acknowledgement",
                "title": "Acknowledge the victim's request for a review",
                "description": "Within 10 working days of a victim asking for a review under the "
                "Victims' Right to Review scheme, acknowledge the request.",
                "trigger": {"event": "vrr_requested"},
                "pattern": "each",
                "deadline": {"working_days": 10},
                "applies_to": {"victims": "all", "consent": "none"},
                "met_by": [{"event": "vrr_acknowledged"}, {"event": "vrr_decided"}],
                "cancelled_by": [],
            },
            {
                "code": "vrr_decision",
                "title": "Decide the victim's request for a review",
                "description": "Within 30 working days of a victim asking for a review under the "
                "Victims' Right to Review scheme, decide it and tell the victim.",
                "trigger": {"event": "vrr_requested"},
                "pattern": "each",
                "deadline": {"working_days": 30},
                "applies_to": {"victims": "all", "consent": "none"},
                "met_by": [{"event": "vrr_decided"}],
                "cancelled_by": [],
            },
            {
                "code": "vps_offer",
                "title": "Offer the victim a Victim Personal Statement",
                "description": "When the victim's witness statement is taken, and again when a "
                "suspect is charged, offer the victim the chance to make a Victim "
                "Personal Statement, within 5 working days.",
                "trigger": [
                    {"event": "statement_taken"},
                    {"event": "decision", "outcomes": ["charge"]},
                ],
                "pattern": "each",
                "deadline": {"working_days": 5},
                "applies_to": {"victims": "all", "consent": "none"},
                "met_by": [{"event": "vps_offered"}, {"event": "contact_made", "covers": True}],
                "cancelled_by": [],
            },
            {
                "code": "vps_offer_bereaved",
                "title": "Offer a bereaved relative a Victim Personal Statement",
                "description": "Close relatives bereaved by crime are offered a Victim Personal "
                "Statement whether or not they made a witness statement: within 5 "
                "working days of the report.",
                "trigger": {"event": "report_recorded"},
                "pattern": "once",
                "deadline": {"working_days": 5},
                "applies_to": {
                    "victims": "all",
                    "consent": "none",
                    "crime_types": ["homicide-bereaved"],
                },
                "met_by": [{"event": "vps_offered"}, {"event": "contact_made", "covers": True}],
                "cancelled_by": [],
            },
            {
                "code": "complaint_acknowledgement",
                "title": "Acknowledge the victim's complaint",
                "description": "A local standard, not a deadline in the Code: acknowledge a "
                "complaint about the service (Code right 12) within 10 working days.",
                "trigger": {"event": "complaint_made"},
                "pattern": "each",
                "deadline": {"working_days": 10},
                "applies_to": {"victims": "all", "consent": "none"},
                "local": True,
                "met_by": [{"event": "complaint_acknowledged"}],
                "cancelled_by": [],
            },
            {
                "code": "compensation_information",
                "title": "Tell the victim about compensation",
                "description": "At the needs assessment (the 2015 Code's police entitlements), tell "
                "the victim how they may be compensated: a claim to the Criminal "
                "Injuries Compensation Scheme for an injury from a violent crime, and "
                "a compensation order the court can make if someone is convicted. The "
                "Code gives no day count: the local standard is the needs "
                "assessment's, 5 working days from the report. Met by a needs "
                "assessment, contact or written information that says it covered "
                "compensation.",
                "trigger": {"event": "report_recorded"},
                "pattern": "once",
                "deadline": {"working_days": 5},
                "applies_to": {"victims": "all", "consent": "none"},
                "local": True,
                "met_by": [
                    {"event": "needs_assessed", "covers": True},
                    {"event": "contact_made", "covers": True},
                    {"event": "written_information_sent", "covers": True},
                    {"event": "message_to_victim", "covers": True},
                ],
                "cancelled_by": [],
            },
        ],
    },
    {
        "code": "vc2020",
        "name": "Code of Practice for Victims of Crime (2020, in force 1 April 2021)",
        "in_force_from": "2021-04-01",
        "national": True,
        "rules": [
            {
                "code": "written_information",
                "title": "Send written information about the Victims' Code and what happens next",
                "description": "Within 5 working days of the report, the victim gets written "
                "information: what to expect, their rights under the Code, the crime "
                "reference and how to reach the officer. The Code says 'without "
                "unnecessary delay'; 5 working days is the local standard.",
                "trigger": {"event": "report_recorded"},
                "pattern": "once",
                "deadline": {"working_days": 5},
                "applies_to": {"victims": "all", "consent": "none"},
                "met_by": [
                    {"event": "written_information_sent"},
                    {"event": "contact_made", "covers": True},
                ],
                "cancelled_by": [],
            },
            {
                "code": "support_referral",
                "title": "Refer the victim to support services",
                "description": "Within 2 working days of the report, pass the victim's details to "
                "victim support services. Automatic unless the victim objects; for "
                "sexual offences, domestic abuse and bereaved relatives only with the "
                "victim's explicit agreement.",
                "trigger": {"event": "report_recorded"},
                "pattern": "once",
                "deadline": {"working_days": 2},
                "applies_to": {"victims": "all", "consent": "crime_type"},
                "met_by": [{"event": "referral_sent"}],
                "cancelled_by": [
                    {"event": "referral_declined", "reason": "The victim objected to a referral"}
                ],
            },
            {
                "code": "needs_assessment",
                "title": "Assess the victim's needs",
                "description": "A local standard (the Code gives no day count): within 5 working "
                "days of the report, assess what the victim needs (information, "
                "practical help, emotional support, safety, language, disability), "
                "whether they are entitled to enhanced rights, how often they want "
                "updates, and whether they object to a referral.",
                "trigger": {"event": "report_recorded"},
                "pattern": "once",
                "deadline": {"working_days": 5},
                "applies_to": {"victims": "all", "consent": "none"},
                "local": True,
                "met_by": [{"event": "needs_assessed"}],
                "cancelled_by": [],
            },
            {
                "code": "decision_update",
                "title": "Tell the victim about the decision, with reasons",
                "description": "After an arrest, an interview under caution, a release under "
                "investigation, bail (granted, changed or cancelled), a charge, a "
                "caution or community resolution, no further action or an arrest "
                "warrant, tell the victim within 5 working days, or within 1 working "
                "day for enhanced victims, with the reasons.",
                "trigger": {
                    "event": "decision",
                    "outcomes": [
                        "arrest",
                        "interview_under_caution",
                        "released_under_investigation",
                        "bail",
                        "bail_varied",
                        "bail_cancelled",
                        "charge",
                        "caution",
                        "community_resolution",
                        "no_further_action",
                        "arrest_warrant",
                    ],
                },
                "pattern": "each",
                "deadline": {"working_days": 5, "enhanced_working_days": 1},
                "applies_to": {"victims": "all", "consent": "none"},
                "met_by": [{"event": "contact_made"}, {"event": "message_to_victim"}],
                "cancelled_by": [],
            },
            {
                "code": "investigation_update",
                "title": "Update the victim during the investigation",
                "description": "From the report until the case is closed, whether or not a suspect "
                "is known, update the victim as often as they agreed at the needs "
                "assessment (every 28 days where they did not say).",
                "trigger": {"event": "report_recorded"},
                "pattern": "recurring",
                "deadline": {"every_days": 28, "agreed_frequency": True},
                "applies_to": {"victims": "all", "consent": "none"},
                "met_by": [{"event": "contact_made"}, {"event": "message_to_victim"}],
                "cancelled_by": [{"event": "case_closed", "reason": "The case was closed"}],
            },
            {
                "code": "not_investigated_notice",
                "title": "Tell the victim the crime will not be investigated, with reasons",
                "description": "Within 5 working days of deciding not to investigate (1 working day "
                "for enhanced victims), tell the victim why, and offer them a "
                "referral to support services.",
                "trigger": {"event": "decision", "outcomes": ["not_investigated"]},
                "pattern": "once",
                "deadline": {"working_days": 5, "enhanced_working_days": 1},
                "applies_to": {"victims": "all", "consent": "none"},
                "met_by": [{"event": "contact_made"}, {"event": "message_to_victim"}],
                "cancelled_by": [],
            },
            {
                "code": "vrr_information",
                "title": "Tell the victim about their Right to Review",
                "description": "Where a suspect was interviewed under caution and the police then "
                "decide not to charge, or give a caution or community resolution, "
                "tell the victim within 5 working days how to ask for a review under "
                "the Victims' Right to Review scheme (they have 3 months to ask).",
                "trigger": {
                    "event": "decision",
                    "outcomes": ["no_further_action", "caution", "community_resolution"],
                    "after": {"event": "decision", "outcomes": ["interview_under_caution"]},
                },
                "pattern": "each",
                "deadline": {"working_days": 5},
                "applies_to": {"victims": "all", "consent": "none"},
                "met_by": [
                    {"event": "contact_made", "covers": True},
                    {"event": "written_information_sent", "covers": True},
                    {"event": "message_to_victim", "covers": True},
                ],
                "cancelled_by": [],
            },
            {
                "code": "vrr_acknowledgement",
                "title": "Acknowledge the victim's request for a review",
                "description": "Within 10 working days of a victim asking for a review under the "
                "Victims' Right to Review scheme, acknowledge the request.",
                "trigger": {"event": "vrr_requested"},
                "pattern": "each",
                "deadline": {"working_days": 10},
                "applies_to": {"victims": "all", "consent": "none"},
                "met_by": [{"event": "vrr_acknowledged"}, {"event": "vrr_decided"}],
                "cancelled_by": [],
            },
            {
                "code": "vrr_decision",
                "title": "Decide the victim's request for a review",
                "description": "Within 30 working days of a victim asking for a review under the "
                "Victims' Right to Review scheme, decide it and tell the victim.",
                "trigger": {"event": "vrr_requested"},
                "pattern": "each",
                "deadline": {"working_days": 30},
                "applies_to": {"victims": "all", "consent": "none"},
                "met_by": [{"event": "vrr_decided"}],
                "cancelled_by": [],
            },
            {
                "code": "vps_offer",
                "title": "Offer the victim a Victim Personal Statement",
                "description": "When the victim's witness statement is taken, and again when a "
                "suspect is charged, offer the victim the chance to make a Victim "
                "Personal Statement, within 5 working days.",
                "trigger": [
                    {"event": "statement_taken"},
                    {"event": "decision", "outcomes": ["charge"]},
                ],
                "pattern": "each",
                "deadline": {"working_days": 5},
                "applies_to": {"victims": "all", "consent": "none"},
                "met_by": [{"event": "vps_offered"}, {"event": "contact_made", "covers": True}],
                "cancelled_by": [],
            },
            {
                "code": "vps_offer_bereaved",
                "title": "Offer a bereaved relative a Victim Personal Statement",
                "description": "Close relatives bereaved by crime are offered a Victim Personal "
                "Statement whether or not they made a witness statement: within 5 "
                "working days of the report.",
                "trigger": {"event": "report_recorded"},
                "pattern": "once",
                "deadline": {"working_days": 5},
                "applies_to": {
                    "victims": "all",
                    "consent": "none",
                    "crime_types": ["homicide-bereaved"],
                },
                "met_by": [{"event": "vps_offered"}, {"event": "contact_made", "covers": True}],
                "cancelled_by": [],
            },
            {
                "code": "complaint_acknowledgement",
                "title": "Acknowledge the victim's complaint",
                "description": "A local standard, not a deadline in the Code: acknowledge a "
                "complaint about the service (Code right 12) within 10 working days.",
                "trigger": {"event": "complaint_made"},
                "pattern": "each",
                "deadline": {"working_days": 10},
                "applies_to": {"victims": "all", "consent": "none"},
                "local": True,
                "met_by": [{"event": "complaint_acknowledged"}],
                "cancelled_by": [],
            },
            {
                "code": "compensation_information",
                "title": "Tell the victim about compensation",
                "description": "Right 5: at the needs assessment, tell the victim how they may be "
                "compensated: a claim to the Criminal Injuries Compensation Scheme "
                "for an injury from a violent crime, and a compensation order the "
                "court can make if someone is convicted. The Code gives no day count: "
                "the local standard is the needs assessment's, 5 working days from "
                "the report. Met by a needs assessment, contact or written "
                "information that says it covered compensation.",
                "trigger": {"event": "report_recorded"},
                "pattern": "once",
                "deadline": {"working_days": 5},
                "applies_to": {"victims": "all", "consent": "none"},
                "local": True,
                "met_by": [
                    {"event": "needs_assessed", "covers": True},
                    {"event": "contact_made", "covers": True},
                    {"event": "written_information_sent", "covers": True},
                    {"event": "message_to_victim", "covers": True},
                ],
                "cancelled_by": [],
            },
            {
                "code": "property_information",
                "title": "Tell the victim about their property held",
                "description": "Right 10: when the police hold the victim's property, tell them what "
                "is held, why, and when they can expect it back (it is returned as "
                "soon as possible). The Code gives no day count: 5 working days from "
                "when the property is recorded as held is the local standard. Met by "
                "a contact or message that says it covered the property, or by giving "
                "the property back.",
                "trigger": {"event": "property_recorded"},
                "pattern": "each",
                "deadline": {"working_days": 5},
                "applies_to": {"victims": "all", "consent": "none"},
                "local": True,
                "met_by": [
                    {"event": "contact_made", "covers": True},
                    {"event": "message_to_victim", "covers": True},
                    {"event": "written_information_sent", "covers": True},
                    {"event": "property_returned"},
                ],
                "cancelled_by": [],
            },
        ],
    },
]
