"""Text matching shared by tracker reading and plan evidence (gapkit.catalogue.textmatch)."""

from gapkit.catalogue.textmatch import expand, named_words, tokens


def test_plurals_and_tenses_fold_to_one_word():
    assert tokens("charities guides recorded vetting") == ["charity", "guide", "record", "vet"]


def test_a_plural_folds_as_far_as_its_singular():
    # "hearings" once stayed "hearing" while the keyword "hearing" became "hear", and "searches" became "searche"
    assert tokens("hearings hearing") == ["hear", "hear"]
    assert tokens("searches search businesses boxes") == ["search", "search", "business", "box"]


def test_a_passage_names_a_system_in_the_singular_as_in_the_plural():
    # scikit-learn's stop list holds "system" but not "systems": the words that name a requirement keep both
    assert "system" in named_words("the crime system") and "system" in named_words("IT systems")
    assert "serious" in named_words("recorded as serious corruption")
    assert "system" not in tokens("the crime system")  # the similarity index is unchanged


def test_acronyms_carry_their_long_form():
    assert "independent sexual violence adviser" in expand("ISVAs were briefed")


def test_an_acronym_does_not_outweigh_the_sentence_it_is_in():
    # "ACU" once expanded to two names of the unit, so any sentence that mentioned the ACU in passing ("results sent
    # to the ACU") read as being about the unit's capability
    assert expand("results sent to the ACU").count("corruption unit") == 1


def test_how_forces_say_who_owns_and_reviews_the_plan_reaches_governance():
    assert "chief officer lead" in expand("The Deputy Chief Constable owns this plan.")
    assert "annual review" in expand("The Ethics Committee has reviewed this plan every year since 2016.")


def test_a_message_to_the_workforce_is_awareness():
    assert "awareness" in expand("The Chief Constable recorded a single video message for all staff.")
