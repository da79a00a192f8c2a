"""Questions as queries: content words kept, how-a-question-is-asked words dropped, nothing
typed read as an operator."""

from __future__ import annotations

from retrieval.query import fts5_match, parse, pg_tsquery, stem, stems


def test_content_words_in_order_without_stop_words_or_repeats() -> None:
    query = parse("What did we decide about the grants budget? The budget!")
    assert query.terms == ("decide", "grants", "budget")


def test_a_follow_up_keeps_the_previous_question_as_context() -> None:
    query = parse("and who signs?", context="Who runs the treasury committee?")
    assert query.terms == ("signs",)
    assert query.context_terms == ("runs", "treasury", "committee")
    assert query.all_terms == ("signs", "runs", "treasury", "committee")


def test_operators_and_quotes_never_reach_the_query_syntax() -> None:
    query = parse('grants" OR budget:* NEAR(x) -- ¿presupuesto? 🚀')
    assert fts5_match(query) == '"grants" OR "budget" OR "near" OR "presupuesto"'
    assert pg_tsquery(query) == "grants | budget | near | presupuesto"


def test_quoted_phrases_are_kept_apart() -> None:
    assert parse('where is the "brand guide"?').phrases == ("brand guide",)


def test_stems_compare_words_as_the_indexes_do() -> None:
    assert stem("Decided") == stem("decides") == "decid"
    assert stems("grants budgets") == {"grant", "budget"}


def test_a_question_of_stop_words_looks_for_nothing() -> None:
    assert parse("what is it?").empty


def test_numbers_and_names_inside_a_sentence_are_specific() -> None:
    assert parse("What is the grants budget for Season 3?").specific == ("season", "3")
    assert parse("Is LARK listed on Coinbase?").specific == ("lark", "coinbase")
    # A capital that only starts a sentence (or a question in Spanish) is not a name.
    assert parse("¿Cómo puedo pedir una beca?").specific == ()
    assert parse("Who won the 2024 hackathon? Tell me.").specific == ("2024",)
