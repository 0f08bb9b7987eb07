"""Descriptions in Hebrew, Arabic and English reduce to the same terms."""

from __future__ import annotations

from magen.people.descriptions import describe


def test_three_languages_say_the_same_thing() -> None:
    he = describe("שיער שחור", "רזה", "חולצה אדומה, ג'ינס כחול ונעלי ספורט", "קעקוע בזרוע שמאל")
    en = describe("black", "thin", "red t-shirt and blue jeans, sneakers", "tattoo on left arm")
    ar = describe("أسود", "نحيف", "قميص أحمر، جينز أزرق وحذاء رياضي", "وشم على الذراع اليسرى")
    for d in (he, en, ar):
        assert d.hair == "black"
        assert d.build == "slim"
        assert {"red shirt", "blue jeans"} <= d.outfits
        assert "sneakers" in d.clothing
        assert d.marks == frozenset({"tattoo"})
        assert "tattoo left arm" in d.mark_places


def test_colours_bind_to_their_own_garment() -> None:
    # Hebrew and Arabic put the colour after the garment, English before it.
    assert describe(clothing="חולצה לבנה ומכנסיים שחורים").outfits == {
        "white shirt",
        "black trousers",
    }
    assert describe(clothing="white shirt, black trousers").outfits == {
        "white shirt",
        "black trousers",
    }
    assert describe(clothing="قميص أبيض وبنطال أسود").outfits == {"white shirt", "black trousers"}


def test_inflections_and_glued_prefixes() -> None:
    d = describe(clothing="בחולצה ירוקה עם כובע אדום")
    assert d.outfits == {"green shirt", "red cap"}
    assert describe(hair="ג'ינג'ית").hair == "red"
    assert describe(hair="بشعر أشقر").hair == "blond"


def test_unknown_words_are_ignored_and_empty_fields_are_empty() -> None:
    d = describe(hair=None, build="", clothing="something unusual", marks=None)
    assert d.hair is None
    assert d.build is None
    assert not d.clothing
    assert not d.marks


def test_mark_without_place_counts_as_a_kind_only() -> None:
    d = describe(marks="scar")
    assert d.marks == {"scar"}
    assert not d.mark_places


def test_a_word_ending_in_geresh_is_known() -> None:
    # בז׳ (beige) ends in a geresh (or an apostrophe), which words are read without.
    assert describe(clothing="חולצה בז', טרנינג בז׳").outfits == {"beige shirt", "beige tracksuit"}
    assert describe(clothing="שמלה בז'").outfits == describe(clothing="beige dress").outfits


def test_a_text_reads_as_its_clauses_each_read_alone() -> None:
    # A colour binds only within its clause; a text's terms are its clauses' together.
    text = "red shirt, jeans; blue cap with scarf"
    d = describe(clothing=text, marks="scar on face, tattoo on the left arm")
    assert d.outfits == {"red shirt", "blue cap"}
    assert d.clothing == {"red", "shirt", "jeans", "blue", "cap", "scarf"}
    assert d.mark_places == {"scar face", "tattoo arm", "tattoo left arm"}
    assert d.marks == {"scar", "tattoo"}
    alone = [describe(clothing=clause) for clause in ("red shirt", "jeans", "blue cap", "scarf")]
    assert d.outfits == frozenset().union(*(c.outfits for c in alone))
    assert d.clothing == frozenset().union(*(c.clothing for c in alone))
