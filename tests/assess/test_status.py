"""What one sentence, list item or table row says about how far a plan has got (gapkit.assess.status)."""

import pytest

from gapkit.catalogue.textmatch import tokens
from gapkit.assess.status import about_another_organisation, clauses, rest_not_done, unit_status


@pytest.mark.parametrize("sentence,level", [
    ("Protective monitoring went live in March 2017.", 3),
    ("The system is now in place.", 3),
    ("New staff in the unit now work proactively on intelligence.", 3),  # present practice, no 'in place'
    ("Checks are run every month and acted on.", 3),
    ("The PSD has audited every user account on Niche.", 3),  # perfect aspect
    ("Training began in 2016 and is now delivered every year.", 3),
    ("A pilot is under way.", 2),
    ("Two investigators have been recruited; a third post is being advertised.", 2),
    ("We will buy software by March 2018.", 1),
    ("The unit will be fully staffed by April 2018.", 1),  # the future governs the clause
    ("The force has not yet started work on IT monitoring.", 1),
    ("The review was postponed to April 2018.", 1),  # re-planned with a date
    ("There are no plans to change referral.", 0),
    ("The CCU review was to take place in 2017 but was deferred.", 0),
    ("Nothing further is planned on IT monitoring.", 0),
    ("The business case for monitoring software was not approved.", 0),
    ("We hope to buy monitoring software.", 1),
    ("The weather was fine.", None),
    ("Partnerships with refuges.", None),  # no cue: not evidenced, never 'planned' by default
])
def test_status_of_a_sentence(sentence, level):
    assert unit_status(sentence).level == level


@pytest.mark.parametrize("sentence,level", [
    ("Review reported October 2017; 3 of 5 recommendations delivered.", 2),  # a share done, no word for the rest
    ("Two out of the eight recommendations have been implemented.", 2),
    ("1,140 of 1,312 officers held in-date vetting clearance at the time of the audit.", 2),
    ("All 5 of 5 recommendations have been implemented.", 3),  # the whole is not a share
    ("3 of 5 recommendations will be delivered by June 2018.", 1),  # the future still governs its clause
])
def test_a_count_short_of_the_whole_is_started(sentence, level):
    assert unit_status(sentence).level == level


@pytest.mark.parametrize("sentence,level", [
    ("In update no. 1 we said protective monitoring would be piloted in the autumn.", None),  # an earlier document
    ("The memorandum, reported in update no. 2 as signed, has now had two monthly meetings.", 3),  # 'no.' is a number
    ("There is no backlog of APSP referrals to the IOPC.", 3),  # negations that say it is done
    ("Vetting: we are not behind on any re-vetting.", 3),
    ("We have no intention of reducing the vetting unit, which has re-vetted all officers due in 2017.", 3),
    ("Not every system is yet covered by protective monitoring.", 2),  # not all: partly done
    ("Re-vetting of all officers is expected to conclude by March 2018 on current trajectory.", 2),
    ("The ISVA service and two refuges received a briefing from the ACU in October.", 2),  # a single event
    ("The Chief Constable wrote personally to every member of staff about professional boundaries.", 2),
    ("All police staff and volunteers have received the face-to-face boundaries input.", 3),
    ("A protocol with the rape crisis centre was agreed in principle by the board in October.", 1),  # a decision
    ("Boundaries training | Implementation plan written and agreed | Delivery from February 2018", 1),
    ("ISA signed in August; first quarterly exchange due in November.", 2),  # signed, not yet operating
    ("Posts were advertised in January and interviews are set for March.", 2),
    ("Hold a workshop with the domestic abuse sector in the autumn.", 1),  # the plan's own instruction
    ("December 2017: brief the IDVAs on how to pass concerns to PSD.", 1),  # a milestone
    ("June 2018: first annual review of the plan by the Chief Officer Group.", 1),
    ("Option A: expand the counter-corruption unit by three posts.", 0),  # an option, not an instruction
    ("4 | Relaunch confidential reporting line | Comms | Sep 2017 | G | Complete", 3),  # a due date is no milestone
    ("We do not yet have equivalent software, and a business case will go to the chief officer group in January.", 1),
    ("We have not yet approached our local services.", 0),  # 'not yet' with nothing planned is a plain negation
    ("Protective monitoring of force systems is not in place.", 0),
    ("Signed, not yet operating", 2),  # a signed agreement is concrete: started (the labelling guide, rule 4)
    ("I note your reference to the monitoring that Merseyside Police operate.", None),  # replying to a letter
    ("HMICFRS found that many forces could not monitor their systems, and its review found the same in a third of "
     "forces.", None),  # 'its' still means the inspectorate: not this force
    ("No fewer than 96% of officers and staff now hold current clearance, and the remainder are booked for December.",
     2),
    ("Vetting: all 94 contractors now hold NPPV level 2 or 3; officers and staff are next.", 2),
    ("CCU capacity | Growth bid for three posts not funded in the 2018-19 budget | Red", 0),  # RAG rates a date
    ("Recording | New form in use since 1 September; every case now recorded as serious corruption | None", 3),
    ("Confidential reporting | The Integrity Line continues; the planned upgrade has been dropped | Green", 3),
    ("Audit of our systems happens only when PSD receives a complaint about a named officer.", 0),  # reactive
    ("The acceptable use policy tells users that their activity may be monitored.", 0),  # a warning, not practice
    ("Licence for the monitoring tool bought in August; installation on Niche begins in January.", 2),
    ("The DCC chairs the Integrity Board; it reviewed this plan in July and will again in July 2018.", 3),
    ("Whether the unit should also take on vetting will be decided next year.", 0),  # a decision still to take
    ("We never hesitate to suspend: all four officers under investigation were suspended on the day.", 3),
    ("PSD has met the county IDVA service once and will hold a further meeting when diaries allow.", 2),
    ("Kent Police operate a protective monitoring product and will extend it to mobiles next year.", None),
    ("Protective monitoring is active on the intelligence system and will be extended to email in June.", 2),
    ("The unit already runs monthly searches of two systems, and from April it will run them on the crime system.", 2),
    ("The Niche audit module went live in November; the duty management system follows in the spring.", 2),
    ("Audits of the crime system will continue to be done by hand when a complaint names an officer.", 0),
    ("Staff can ring the integrity line in confidence at any hour.", 3),
    ("Nothing prevents a member of the public from reporting a concern anonymously, and many do.", 3),
    ("Every member of the workforce has been vetted and nobody's re-vetting is overdue.", 3),
    ("Re-vetting is not overdue for anyone in the force.", 3),
    ("Independent domestic violence advisers were briefed once, in October, on how to raise concerns.", 2),
    ("One briefing on professional boundaries was given to the call-handling department in December.", 2),
    ("5 | Training | Boundaries e-learning, all officers and staff | L&D | Jun 2018 | Amber | 38% completed", 2),
    ("3 | Partners | Quarterly liaison with the SARC and the ISVA service | DCI ACU | Mar 2018 | Red | Not started", 1),
    ("A revised unit structure was agreed by the Chief Constable last week and will go live on 1 April.", 1),
    ("ACU uplift agreed by COG in Oct 17; posts to be advertised.", 1),
    ("An awareness week ran in November; it will run again each November.", 3),
    ("Two officers dismissed without notice in 2017; outcomes published on the force website.", 3),
    ("Whether the unit needs more investigators will be decided after a review, which has not yet been commissioned.",
     0),
    ("Until then staff use the existing whistleblowing line run by the legal department.", 3),  # practice till a change
    ("Officers attended the regional conference run by the PCC.", None),  # 'run by' is no practice
    ("It reads every hit from the audit products the next morning.", 3),  # present practice, any verb
    ("The unit has written once to the county's domestic abuse services to introduce itself.", 2),
    ("The force has run protective monitoring on its email system for two years, and will extend it to mobile "
     "devices in the autumn.", 2),  # live on part, the rest to come
    ("The unit has implemented the first two recommendations and expects the rest to be in place by September.", 2),
    ("In June we said the ACU would be reviewed by the end of the year.", None),  # what was said before
    ("Your plan states that the review reported in August and that its recommendations are being implemented.", 2),
    ("Nobody in the force, officer or staff, is working without current vetting.", 3),
    ("Supervisors are not simply expected to pass on concerns: they are answerable for their team's conduct.", 3),
    ("NPPV3: all ACU and PSD staff done.", 3),
    ("Audit products are requested whenever PSD has a specific concern about an officer.", 0),  # reactive
    ("Agreed with the rape crisis centre in October: joint awareness sessions for their advocates.", 1),
    ("ACU: two more DCs join in April for proactive work.", 1),  # the present for the future
    ("6 | First annual review of plan | Aug 2018 | Not due", 1),
    ("The first joint briefing for advocates at the SARC took place in November; the centres follow in March.", 2),
    ("Partners ACTION DI ACU: write to the chairs of the two MARACs proposing quarterly meetings, by 31 January.", 1),
    ("4 | Information-sharing MoU | Nov 2017 | Complete: signed by all four providers; meetings held monthly", 3),
    ("The ACU will never again be run with fewer than five investigators; it now has six.", 3),
    ("Head of ICT reported that Kent has since withdrawn the offer to partner forces.", None),  # another force
    ("IOPC: its guidance says every APSP case must be referred.", None),  # a restatement, not practice
    ("Vetting is covered in the force's separate people plan.", None),  # a cross-reference says nothing
    ("Our neighbours in Kent Police bought monitoring software in 2016 and have offered to share it.", None),
    ("Nothing in our procedures prevents an officer being suspended as soon as an allegation is made.", 3),
    ("I shall report to you again in April 2019.", 3),  # reporting that goes on
    ("Re-vetting is up to date.", 3),
    ("The IOPC has told forces to refer every APSP case, and we do so.", 3),  # the turn to this force
    ("IT monitoring. We let the contract for protective monitoring software on 10 November.", 2),
    ("ACC Mel Arkwright was appointed in October as the chief officer lead for this plan.", 2),  # an owner in post
    ("DCI Ravi Okafor took up post in December as owner of the force's IT audit work.", 2),
    ("5 | Information-sharing agreement with the IDVA service | ACU manager | Signed 3 November; no referrals yet | "
     "Green", 2),
    ("The Chief Constable recorded a video message on professional boundaries for all staff in November.", 2),
    ("In November the DCC sent one email to all officers and staff on professional boundaries.", 2),
    ("This section covers domestic abuse services, the SARC and the rape crisis centre.", None),
    ("The counter-corruption unit might, in time, benefit from a financial investigator.", 0),
    ("APSP recorded as serious corruption | Recording policy approved by the Chief Officer Group on 3 October", 1),
    ("Under a collaboration agreement, West Mercia Police's team audits our crime and intelligence systems every "
     "month.", 3),  # a neighbour auditing this force's systems counts as its own
    ("Links with domestic abuse services: see partnership section (to follow).", None),  # a cross-reference
    ("The retrospective review was postponed in August; it will now run in the first quarter of 2018-19.", 1),
    ("The ACU carries on with its present establishment of one DS and two DCs, working reactive cases only.", 0),
    ("Professional boundaries teaching goes into the 2018 refresher programme for all response officers.", 1),
    ("No officer or member of staff is without current vetting, and there are no overdue renewals.", 3),
    ("3 | Capability | Independent review of ACU capacity | Supt PSD | Aug 2017 | Complete - recommendations being "
     "implemented", 2),
    ("4 | Monitoring | Protective monitoring on Niche and email | ICT Security | Jan 2018 | Live on Niche; email to "
     "follow", 2),
    ("A meeting with the Independent Sexual Violence Advisers' service has been agreed for March 2018.", 1),
    ("Audit of Niche searches on DA victims | ACU | Monthly | Established", 3),
    ("put an analyst's assessment of APSP trends before the tasking meeting every month", 1),  # an instruction
    ("The counter-corruption unit takes on its second analyst in the new year.", 1),  # the present for the future
    ("The ACU takes over the proactive desk from the Force Intelligence Bureau on 1 April.", 1),
    ("The boundaries input has reached the response teams, with neighbourhood teams still to come.", 2),
    ("A contract has been let for protective monitoring software; installation begins in January.", 2),
    ("Our monitoring is run for us by SecureSight Ltd under a three-year contract let in March 2017.", 3),
    ("An information-sharing protocol has been signed, and the first joint meeting is arranged for February.", 2),
    ("The DCC's e-mail to all staff in October on professional boundaries was noted.", 2),  # a single message
    ("The Head of PSD will reply in writing.", None),  # a reply promised says nothing
    ("He will raise it informally with the PCC.", 0),  # no commitment
    ("Partner engagement (refuges, SARC) | Re-planned | March 2018", 1),
    ("The IDVA service manager and I have agreed to meet in March to set up a referral route.", 1),
    ("Boundaries training | L&D | Approved by the Training Board for the 2018 programme", 1),
    ("4 | Training | Boundaries workshop for all frontline staff | G | 84% attended; rest booked for December", 2),
    ("Audit: phase one (the crime system) has run since August; phase two is re-planned for May 2018.", 2),
    ("The supervisors' guide is half written; it should be out by Easter.", 2),
    ("The SARC and the rape crisis centre have had a single joint briefing from the ACU, in September.", 2),
    ("Our counter-corruption unit gains two intelligence officers in January.", 1),
    ("Two CCU intelligence developers join in the new financial year, taking the unit to seven.", 1),
    ("Supervisors answer for their team's conduct under the Code of Ethics.", 3),
    ("Boundaries e-learning is mandatory for all officers and staff and forms part of induction.", 3),
    ("A contract for protective monitoring software was let in September, and installation starts in February.", 2),
    ("The refreshed boundaries training has been signed off by the Learning Board.", 1),  # approval, not delivery
    ("Superintendent R. Vaskey has been appointed owner of the vetting backlog and took up the role in October.", 2),
    ("Options for an anonymous reporting tool are being explored, and I will report them to you in March.", 0),
    ("Audits of Niche use are run when a complaint about an officer is received; there were eleven such audits this "
     "year.", 0),  # reactive, however often
    ("The Chief Constable sent a single all-staff e-mail in October on professional boundaries.", 2),
    ("I wrote once, in November, to the two refuges in the county.", 2),
    ("7 | Chief officer lead for APSP | DCC appointed and in post", 2),
    ("We accept the finding that our plan gave no information about the counter-corruption unit.", None),
    ("Governance | Annual review of the plan held by the Ethics Committee in September; next due September 2018", 3),
    ("The unit sits within Professional Standards.", None),  # where it is, not how far it has got
    ("Re-vetting of staff whose clearance has lapsed has not yet started; we aim to complete it by June 2018.", 1),
    ("The campaign will no longer include the planned film, but the briefings carry on as they have since May.", 3),
    ("The IDVAs, whose team sits in our Victim Hub, pass concerns about officers to the ACU.", 3),
    ("I wrote to the refuges asking them to pass on any concerns about officers.", 2),  # a single letter
    ("The outcome of each gross misconduct hearing appears on the force website within a week.", 3),
    ("Line managers go through professional boundaries with each officer at the annual PDR and record it.", 3),
    ("A whistleblowing line run by an outside provider is open to officers and staff.", 3),
    ("The whole workforce holds current clearance.", 3),
    ("This is the first annual review of the plan the Deputy Chief Constable signed off in March 2017.", 3),
    ("Full protective monitoring has slipped from the 2017-18 to the 2018-19 financial year.", 1),  # re-planned
    ("Audit: Niche's own audit tool is run against victims' records when PSD opens a misconduct investigation.", 0),
    ("Lawful business monitoring covers e-mail and internet use but not yet Niche or Athena.", 2),
    ("A public reporting form for concerns about officers is under construction.", 2),
    ("Forces must treat abuse of position as serious corruption and must refer cases to the IOPC.", None),
    ("Protective monitoring software | Contract let to supplier in November; go-live planned for May 2018 | Green", 2),
    ("Links with IDVA services | Owner appointed and in post; first meeting not yet arranged | Amber", 2),
    ("Staff awareness campaign | Single all-staff message from the Chief Constable sent 4 December | Green", 2),
    ("extend audit of force systems from PNC to Niche and e-mail.", 2),  # live on PNC, the rest to come
    ("HMICFRS singled out Merseyside Police and Derbyshire Constabulary; both run protective monitoring.", None),
    ("Annual review. This report is the plan's first annual review.", 3),
    ("A first group of forty front-line officers has been through the boundaries workshop.", 2),
    ("We never close an APSP allegation without first referring it to the IOPC.", 3),
    ("Partners: the IDVA and ISVA leads are meeting the CCU for the first time on 21 February.", 1),
    ("Vetting: re-vetting of officers in designated posts is two-thirds complete.", 2),
    ("1 | Treat APSP as serious corruption | Policy approved by Chief Officer Group on 6 February; takes effect 1 "
     "April | Amber", 1),
    ("5 | Partner links | Meeting with the county IDVA service agreed for March | Amber", 1),
    ("The supplier has been chosen and the contract signed; installation begins in March.", 2),
    ("Nothing prevents us inviting the IDVA service to our team meetings; I have not asked them.", 0),  # possible only
    ("From: Detective Inspector, Counter-Corruption Date: 4 December 2017", None),  # a date, not a milestone
    ("CCU capacity | Two researchers joined in September and have worked proactively since; a third post is approved "
     "for April. | Amber", 2),  # RAG yields to the words, read as one unit
    ("Partners | The letter slipped from October; it now goes out in January. | Red", 1),
    ("Victim support partners | ACU inspector | Amber | Postponed from October; first approach now due January 2018",
     1),  # re-planned with a date

    ("The force reserves the right to monitor all use of its systems.", None),  # a policy's warning
    # practice that goes on while an improvement is dropped keeps its level (rule 2)
    ("The move to a new audit product was cancelled; auditing of the records system continues unchanged.", 3),
    ("Supervisor e-learning | The new module is deferred; the ethics day input carries on as before | Deferred", 3),
    ("Boundaries input continues for all new recruits; the separate module has been dropped.", 3),
    ("Supervisor e-learning | New module | Deferred", 0),  # nothing goes on beside it
    # pseudo-negations that say it is done
    ("Our unit is not short of investigators.", 3),
    ("No allegation of this kind has gone unrecorded since 2017.", 3),
    ("We have never treated such a report as anything other than serious corruption.", 3),
    ("Re-vetting runs on the seven-year cycle with no overdue cases.", 3),
    ("No fewer than 200 staff a year attend the boundaries day.", 3),
    # the present habitual and the perfect, without the usual words
    ("The department treats every such allegation as serious corruption.", 3),
    ("The deputy chief constable reviews the plan with the board each October.", 3),
    ("Sergeants discuss boundaries with their teams at every annual appraisal.", 3),
    ("All staff in the unit have been vetted to management level.", 3),
    ("Vetting compliance stands at 100% for officers and staff.", 3),
    ("IT audit: done for us by the regional audit team under the collaboration agreement.", 3),
    ("The unit records every allegation as serious corruption, and this plan sets out the next steps.", 3),
    ("Since 2016 the force has paid a third of the cost of the regional counter-corruption unit.", 3),
    # ended, with nothing in its place
    ("The partner forum closed in November and nothing has replaced it.", 0),
    ("Monthly meetings with the refuge were discontinued after the first one.", 0),
    ("Procurement is paused while the regional ICT programme is reworked.", 0),  # no practice beside it
    ("Posters | Red | Cancelled | Budget cut. The annual ethics day goes ahead for all staff as in previous years.", 3),
    # audit when someone asks, in connection with a complaint: reactive
    ("Audits of a user's activity are run when PSD asks for them in connection with a complaint.", 0),
    ("Audit of the records system is carried out on request.", 0),
    ("We have applied to join the county's partnership board; the board decides in March.", 1),  # rule 6
    ("We will continue to refer every APSP matter to the IOPC.", 3),
    ("Training on boundaries matters to every officer.", None),  # says why, not how far
    ("The force's systems hold sensitive data about victims.", None),
    ("HMICFRS praised a neighbouring force's links with refuges; we have studied its model.", None),
    ("The Deputy Chief Constable is the owner of this plan.", 2),  # an owner in post, no review yet (rule 4)
    ("The unit keeps its present staff of two investigators, who deal with referrals as they come in.", 0),  # reactive
    ("The HR manager reported that no re-vetting is overdue.", 3),
    ("No officer has missed the mandatory boundaries input since it began in 2017.", 3),
    ("Officers found to have abused their position should expect dismissal.", None),  # a norm, not practice
    ("Monitoring of IT systems is one of the elements HMICFRS looks for in every plan.", None),
    ("The June plan proposed a quarterly forum with the county refuge.", 1),  # proposed, not held quarterly
    ("The force has asked to attend the next forum, in April 2018.", 1),
    ("The ICT estate includes Niche, the command and control system and e-mail.", None),  # an inventory
    ("Vetting is reported separately to the People Board.", None),
    ("An all-staff message from the Chief Constable on boundaries went out on 20 November.", 2),  # a single message
    ("A public reporting form has been built and is in user testing.", 2),
    ("Every new starter completes the boundaries e-learning in their first week.", 3),
    ("ISVAs have a direct line to the unit's duty officer.", 3),
    ("1x DS vacant since August; proactive APSP work suspended until filled.", 0),  # suspended with no date
    ("The external reporting line for the public is cancelled; the internal staff line is unchanged.", 3),
    ("This report is the committee's first annual review of the plan.", 3),
    ("Protective monitoring has been switched on for the crime recording system.", 3),
    ("If you have a concern, call the Integrity Line or use the anonymous form on this site.", 3),
    ("Not a single officer or member of staff is without current vetting.", 3),
    ("Vetting is not an issue: no member of staff lacks current vetting.", 3),
    ("Sergeants are never exempt: each signs an annual declaration on the Code of Ethics.", 3),
    ("The vetting code of practice requires every officer to be re-vetted on time.", None),  # the code's words
    ("Audits of the crime system are run only when an investigating officer asks for one.", 0),  # reactive
    ("Professional Standards record each one as serious corruption.", 3),
    ("The advocates at the SARC send concerns about officers to the unit direct.", 3),
    ("The ISVA service has been sent a copy of the Chief Constable's letter on the plan.", 2),  # a single message
    ("A one-off e-mail from the Chief Constable reminded all staff of professional boundaries.", 2),
    ("The input for probationers was put back; it now starts with the January 2018 intake.", 1),
    ("Force systems hold a great deal of sensitive information about victims.", None),
    ("The county's domestic abuse partnership covers the whole county and has fourteen members.", None),
    ("Our analyst drafts a twice-yearly threat profile for the board.", 3),
    # from a review of the rules: each of these once read wrongly
    ("The ACU, which is fully staffed, has not yet begun proactive work.", 1),  # a clause between commas
    ("Agreement signed, not yet operating.", 2),
    ("Every officer who was stopped and searched is recorded.", 3),
    ("Monitoring of officers suspended from duty continues every week.", 3),
    ("Audit results are published monthly and available on request.", 3),
    ("The vetting policy has applied to all staff since 2016.", 3),
    ("Training is key to our approach and all staff completed it in 2017.", 3),
    ("Records contain personal data and are audited monthly.", 3),
    ("Work on a review of the unit's capacity to gather intelligence proactively has begun; a pilot is under way.",
     2),  # "proactively has" is no practice: what has happened is that work began
    # "look at" as a noun is no undecided option
    ("We have no monitoring software, but the unit already audits every search and follows up any unexplained "
     "look at a victim's record.", 3),
])
def test_status_from_words_forces_use(sentence, level):
    assert unit_status(sentence).level == level


def test_agreed_but_not_yet_held_is_never_in_place():
    status = unit_status("A protocol with the rape crisis centre has been agreed; the first meeting is in June.")
    assert status.level in (1, 2)


def test_pseudo_negation_is_not_a_negation():
    assert unit_status("Not only do we refer every case to the IOPC, we also review old cases.").level == 3


def test_negation_stops_at_a_termination_term():
    assert [c.strip(" .") for c in clauses("No software has been bought, but the audit policy is in place.")] == [
        "No software has been bought", "the audit policy is in place"]
    assert unit_status("No software has been bought, but the audit policy is in place.", {"software"}).level == 0
    assert unit_status("No software has been bought, but the audit policy is in place.", {"policy"}).level == 3


@pytest.mark.parametrize("sentence", [
    "A neighbouring force's monitoring system is in place and works well.",
    "HMICFRS praised forces that have ICT monitoring.",
    "Other forces have appointed dedicated CCU analysts.",
])
def test_another_organisations_arrangements_are_not_evidence(sentence):
    assert about_another_organisation(sentence)
    assert unit_status(sentence).about_other and unit_status(sentence).level is None


def test_this_force_learning_from_another_is_about_this_force():
    assert not about_another_organisation("We have adopted the monitoring software other forces use.")


def test_us_as_the_object_of_another_organisations_sentence_is_still_scope():
    assert about_another_organisation("Forces that have bought monitoring software tell us it finds misuse quickly.")
    assert not about_another_organisation("The regional team audits these systems for us under the agreement.")


def test_the_commissioners_own_services_are_hers_but_a_route_on_her_website_is_not_scope():
    assert about_another_organisation("The Commissioner also announced a grant to the rape crisis helpline.")
    assert not about_another_organisation("Anyone can report a concern about an officer through a form on the "
                                          "Commissioner's website, which goes to professional standards.")


def test_a_unit_run_jointly_with_neighbours_is_this_forces_own():
    # the labelling guide, rule 1: a regional unit the force funds with others counts as its own
    assert not about_another_organisation("It jointly funds the regional unit with two neighbouring forces.")
    assert not about_another_organisation("The unit, which Wolvenhythe funds jointly with a neighbouring force, ...")
    assert about_another_organisation("Kent Police and Essex Police jointly run a counter-corruption unit.")
    assert unit_status("The force has no counter-corruption unit of its own.").level is None  # not a negation


def test_a_table_row_with_a_status_word_takes_its_level():
    assert unit_status("CCU review | Complete").level == 3
    assert unit_status("IT monitoring | Not started").level == 1


@pytest.mark.parametrize("text,terms", [
    # the rest of it, in another clause: partly done
    ("Vetting: 94% of officers hold current clearance; the remainder are scheduled for completion by June 2018.",
     set(tokens("vetting"))),
    ("Monitoring software is installed on the custody system; email and command and control will follow.",
     set(tokens("monitoring"))),
    ("We already audit the custody system daily; email is not covered.", set(tokens("audit"))),
    # a table row whose status says complete and whose other cells say otherwise
    ("Boundaries training | L&D | Complete (pilot only) | Piloted with one team", None),
    ("Boundaries training | L&D | Complete | Roll-out not yet scheduled", None),
])
def test_in_place_for_part_and_not_for_the_rest_is_partly(text, terms):
    status = unit_status(text, terms)
    assert (status.level, status.kind) == (2, "partly")


def test_a_complete_row_whose_other_cells_agree_stays_in_place():
    assert unit_status("CCU review | PSD | Complete | Reported to the board in July").level == 3


@pytest.mark.parametrize("following,terms,rest", [
    ("Other systems come next year.", None, True),  # opens with the rest
    ("Niche, PNC and email are not monitored at all.", set(tokens("monitored")), True),  # names the requirement
    ("Of 41 cases reviewed, nine were referred; the remaining 60 will be reviewed by March.", set(tokens("recorded")),
     False),
    ("Other systems have been covered since 2016.", None, False),  # the rest is in place too
])
def test_a_sentence_about_the_rest_not_yet_done(following, terms, rest):
    assert (rest_not_done(following, terms) is not None) == rest


@pytest.mark.parametrize("sentence,level", [
    # what a document says or leaves out, or a question put, says nothing of progress
    ("I accept that the plan we submitted in May did not describe our counter-corruption arrangements.", None),
    ("The force's VAWG strategy refers to partnership working in general terms.", None),
    ("The Commissioner asked whether the unit had any contact with refuges.", None),
    ("We do not describe cases to the press.", 0),  # a negation whose subject is not a document still counts
    # negations that are not the writer's: a contrast, a counterfactual, reported speech
    ("Both lines are answered by the Anti-Corruption Unit, not your chain of command.", 3),
    ("He would have been dismissed had he not resigned.", None),
    ("Never again will a supervisor be able to say they did not know.", None),
    ("The unit does not record allegations.", 0),
    # how often something happens is practice; a decision to do it, a hypothetical and a form to fill in are not
    ("The DCC reports on the plan to the Executive Board twice a year.", 3),  # 'plan to' here is not an intention
    ("We plan to appoint two investigators.", 1),
    ("The Chief Constable had decided to hold an annual review, the first in June 2018.", 1),
    ("An analyst would produce a threat assessment on sexual misconduct.", 0),
    ("Status column to be completed by owners before the first meeting.", 1),
    ("About half had done so by the end of the year.", 2),
    ("Boundaries training for all staff is unaffected.", 3),
])
def test_what_a_sentence_does_not_say_and_what_it_does(sentence, level):
    assert unit_status(sentence).level == level


def test_clauses_after_a_topic_label_are_about_the_topic():
    """'Protective monitoring: licence bought in November; installation on all systems in March': the licence is the
    monitoring's, though its clause does not say so."""
    terms = set(tokens("IT monitoring protective monitoring audit systems software"))
    status = unit_status("Protective monitoring: licence bought in November; installation on all systems scheduled "
                         "for March.", terms)
    assert status.level == 2
