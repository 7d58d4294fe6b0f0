"""The seed data: what the real source documents say, and nothing more (DESIGN.md)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

SEEDS = Path(settings.BASE_DIR) / "fixtures" / "seeds"
INSTRUMENT = "og-digital"
INSTRUMENT_TITLE = (
    "Operational Guidelines on the Implementation of the Convention in the Digital Environment"
)
INSTRUMENT_BODY = "Conference of Parties to the 2005 Convention"
EDITION_2017 = "og-2017-fr"
EDITION_2017_FILE = "004_fde7dfc43fcf38f8.txt"
EDITION_2017_LABEL = "2017 Operational Guidelines (FR)"
EDITION_2017_SOURCE = (
    "Approved by the Conference of Parties at its sixth session (2017), Resolution 6.CP 11; "
    "French text from fixtures/seeds/004_fde7dfc43fcf38f8.txt."
)

# --- the partial revision draft (known only through the Joint Advocacy paper) ---------

JOINT_ADVOCACY_FILE = "000_3aa536f9f6bc3136.txt"
IFCCD_FILE = "001_084aae1d660916e4.txt"
CONCEPT_NOTE_FILE = "002_7ed0869c4f97a8a2.txt"
PRESS_RELEASE_FILE = "003_cedcfcd2194b6b51.txt"

EDITION_DRAFT = "og-draft-19igc-en"
EDITION_DRAFT_FILE = Path(settings.BASE_DIR) / "fixtures" / "og-draft-19igc-en.md"
EDITION_DRAFT_LABEL = "Revision draft, annex of DCE/26/19.IGC/7.b Rev (partial)"
EDITION_DRAFT_SOURCE = (
    "Proposal for the revision of the Operational Guidelines, annex of document "
    "DCE/26/19.IGC/7.b Rev. Its full text is not available: the provisions here are known "
    f"only as cited in the Joint Advocacy paper (fixtures/seeds/{JOINT_ADVOCACY_FILE}), "
    "which quotes the words of 1.2 and 2.2.1 and only describes the others."
)
DRAFT_NOTE = (
    f"Known only as cited in Joint Advocacy (fixtures/seeds/{JOINT_ADVOCACY_FILE}); "
    "the full text of the draft is not available."
)
# eid -> note. The priority domains are known by their numbers only: no heading invented.
DRAFT_NOTES = {
    "para_1-2": DRAFT_NOTE,
    "para_2": (
        "Priority domain 2 (the paper relates it to inclusion and bias reduction). " + DRAFT_NOTE
    ),
    "para_2-1-1": DRAFT_NOTE,
    "para_2-2-1": DRAFT_NOTE,
    "para_2-2-3": DRAFT_NOTE,
    "para_6": "Priority domain 6 (the paper relates it to cultural exchange). " + DRAFT_NOTE,
    "para_6-1-4": DRAFT_NOTE,
}

# --- organisations -----------------------------------------------------------------
# (name, acronym, kind). The secretariat's name is the one demo_users uses too.

JOINT_ADVOCACY = "Joint Advocacy signatories (civil society organisations)"
IFCCD = "International Federation of Coalitions for Cultural Diversity"
SECRETARIAT = "Secretariat of the 2005 Convention"
FRENCH_MINISTRY = "Ministère de la Culture (France)"
ORGANISATIONS = [
    (JOINT_ADVOCACY, "Joint Advocacy", "ngo"),
    (IFCCD, "IFCCD", "ngo"),
    (SECRETARIAT, "", "secretariat"),
    (FRENCH_MINISTRY, "", "party"),
]

# --- papers: the five seeds, titles from their own first lines, dates only where given --


@dataclass(frozen=True)
class SeedPaper:
    file: str
    organisation: str
    title: str
    language: str
    date: datetime.date | None = None
    meeting_reference: str = ""


PAPER_JOINT_ADVOCACY = SeedPaper(
    file=JOINT_ADVOCACY_FILE,
    organisation=JOINT_ADVOCACY,
    title=(
        "Joint Advocacy for Operational Guidelines under the 2005 Convention that Fully "
        "Protect Human Creativity in the Age of Generative Artificial Intelligence"
    ),
    language="en",
    meeting_reference="DCE/26/19.IGC/7.b Rev",
)
PAPER_IFCCD = SeedPaper(
    file=IFCCD_FILE,
    organisation=IFCCD,
    title=(
        "18th Session of the Intergovernmental Committee for the Protection and Promotion "
        "of the Diversity of Cultural Expressions: IFCCD's Position on Item 7"
    ),
    language="en",
    # The paper gives the session's dates (February 11 to 14, 2025): its first day.
    date=datetime.date(2025, 2, 11),
    meeting_reference="18.IGC item 7",
)
PAPER_CONCEPT_NOTE = SeedPaper(
    file=CONCEPT_NOTE_FILE,
    organisation=SECRETARIAT,
    title=(
        "DCE/21/14.IGC/14: Intergovernmental Committee for the Protection and Promotion of "
        "the Diversity of Cultural Expressions, Fourteenth session, Item 14 of the "
        "provisional agenda"
    ),
    language="en",
    date=datetime.date(2021, 1, 5),  # "Paris, 5 January 2021"
    meeting_reference="DCE/21/14.IGC/14",
)
PAPER_PRESS_RELEASE = SeedPaper(
    file=PRESS_RELEASE_FILE,
    organisation=FRENCH_MINISTRY,
    title=(
        "Sommet pour l'action sur l'Intelligence artificielle : la table-ronde « Créer un "
        "cercle vertueux entre IA, création et information »"
    ),
    language="fr",
)
PAPER_2017 = SeedPaper(
    file=EDITION_2017_FILE,
    organisation=SECRETARIAT,
    title=(
        "Directives opérationnelles sur la mise en œuvre de la Convention dans "
        "l'environnement numérique"
    ),
    language="fr",  # "Approuvées … lors de sa sixième session (2017)": a year, no date
)
PAPERS = [
    PAPER_JOINT_ADVOCACY,
    PAPER_IFCCD,
    PAPER_CONCEPT_NOTE,
    PAPER_PRESS_RELEASE,
    PAPER_2017,
]

# --- positions: verbatim excerpts (checked on save), stance, summary, linked clauses ----


@dataclass(frozen=True)
class SeedLink:
    edition: str
    eid: str
    rationale: str


@dataclass(frozen=True)
class SeedPosition:
    paper: SeedPaper
    stance: str
    summary: str
    excerpt: str
    links: tuple[SeedLink, ...] = ()


JA_ART = SeedPosition(
    paper=PAPER_JOINT_ADVOCACY,
    stance="amend",
    summary=(
        "The revised Guidelines should affirm authorization, remuneration and transparency "
        "(ART) for the use of protected works by AI systems."
    ),
    # The three bullets; the footnote on "cultural expressions" stands between the
    # second and the third in the paper's text, so the quote runs through it.
    excerpt=(
        "The revised Guidelines should clearly affirm the principles of authorization, "
        "remuneration and transparency (ART), in particular by ensuring that:\n\n"
        "- the use of protected works for the development and operation of AI systems is "
        "subject to prior authorization from rightsholders;\n"
        "- creators are remunerated where their works contribute to the functioning and "
        "outputs of such systems; and\n\n"
        "¹ It is essential to clarify that the notion of “cultural expressions” explicitly "
        "includes intellectual property rights, the importance of which is recognized in the "
        "preamble of the 2005 Convention. This notably includes copyright and related rights, "
        "whose protection must be ensured by UNESCO Member States, in line with the "
        "commitments reaffirmed in the Outcome Document of Mondiacult 2025.\n\n"
        "- transparency obligations are placed on those developing and deploying AI systems, "
        "including regarding the protected content used, the modalities of use, and the value "
        "generated. Transparency is a precondition for both, as it enables creators and right "
        "holders to identify how their works are used and to exercise their rights "
        "effectively."
    ),
)
JA_REMOVE_1_2 = SeedPosition(
    paper=PAPER_JOINT_ADVOCACY,
    stance="oppose",
    summary="Principle 1.2, a “right [...] to use AI in the name of artistic freedom”, "
    "should be removed.",
    excerpt="This principle should therefore be removed from the Operational Guidelines.",
    links=(
        SeedLink(
            EDITION_DRAFT,
            "para_1-2",
            "The paper names principle 1.2 and quotes its words before asking for its removal.",
        ),
    ),
)
JA_LLM_2_2_1 = SeedPosition(
    paper=PAPER_JOINT_ADVOCACY,
    stance="oppose",
    summary="The Guidelines should not “support the development” of specific language "
    "models such as LLMs.",
    excerpt=(
        "Whether from the perspective of inclusion, bias reduction (priority domain 2), or "
        "cultural exchange (priority domain 6), the Operational Guidelines should not "
        "“support the development” of specific language models, and, by extension, specific "
        "business models, such as large language models (LLMs) (2.2.1)."
    ),
    links=(
        SeedLink(
            EDITION_DRAFT,
            "para_2-2-1",
            "The paper cites 2.2.1 by number and quotes its words “support the development”.",
        ),
    ),
)
JA_DATA = SeedPosition(
    paper=PAPER_JOINT_ADVOCACY,
    stance="concern",
    summary="Encouraging high-quality data in lightly regulated companies does not address "
    "homogenization or discrimination.",
    excerpt=(
        "Encouraging the inclusion of high-quality data (2.1.1, 6.1.4) in lightly regulated "
        "companies that develop according to market rules is not the way to address issues of "
        "homogenization or discrimination, which indeed deserve Parties’ full attention."  # noqa: RUF001 (verbatim)
    ),
    links=(
        SeedLink(
            EDITION_DRAFT,
            "para_2-1-1",
            "The paper cites 2.1.1 as a provision on the inclusion of high-quality data.",
        ),
        SeedLink(
            EDITION_DRAFT,
            "para_6-1-4",
            "The paper cites 6.1.4 as a provision on the inclusion of high-quality data.",
        ),
    ),
)
JA_REPLACEMENT_2_2_3 = SeedPosition(
    paper=PAPER_JOINT_ADVOCACY,
    stance="oppose",
    summary="Provision 2.2.3 risks promoting the replacement of translators and audiovisual "
    "adaptation specialists by AI and should not be included.",
    excerpt=(
        "As drafted, provision 2.2.3 risks promoting their replacement by AI without "
        "sufficient respect for their copyright and related rights and undervalues human "
        "expertise and cultural nuance. Therefore, the provision should not be included."
    ),
    links=(
        SeedLink(
            EDITION_DRAFT,
            "para_2-2-3",
            "The paper names provision 2.2.3 and asks that it not be included.",
        ),
    ),
)
JA_NEUTRALITY = SeedPosition(
    paper=PAPER_JOINT_ADVOCACY,
    stance="support",
    summary="The Guidelines should be technologically neutral.",
    excerpt=(
        "At the outset, we wish to reaffirm that these Guidelines should be technologically "
        "neutral (i.e. all the principles adopted should remain valid irrespective of any "
        "possible technological change or evolution)"
    ),
    links=(
        SeedLink(
            EDITION_2017,
            "para_6",
            "Paragraph 6 of the 2017 text recalls technological neutrality as a principle "
            "of the Convention.",
        ),
        SeedLink(
            EDITION_2017,
            "para_8-1",
            "Sub-paragraph 8.1 of the 2017 text reaffirms the principle of technological "
            "neutrality.",
        ),
    ),
)
IFCCD_CONSULTATION = SeedPosition(
    paper=PAPER_IFCCD,
    stance="support",
    summary="The Committee should consult civil society, under Articles 11 and 23.7 of the "
    "Convention, at every stage of adopting the protocol.",
    excerpt=(
        "it strongly encourages the Intergovernmental Committee to incorporate consultation "
        "mechanisms with civil society, in line with Articles 11 and 23.7 of the Convention, "
        "at every stage of the process related to adopting the protocol."
    ),
    links=(
        SeedLink(
            EDITION_2017,
            "para_25",
            "Paragraph 25 of the 2017 text describes partnership with civil society under "
            "Article 11, including consultation (25.2).",
        ),
        SeedLink(
            EDITION_2017,
            "para_13",
            "Paragraph 13 of the 2017 text encourages Parties to involve representatives of "
            "civil society in interministerial groups on digital issues.",
        ),
    ),
)
IFCCD_CAPACITY = SeedPosition(
    paper=PAPER_IFCCD,
    stance="support",
    summary="Capacity-building is essential to bridging the digital divide between the "
    "Global North and South.",
    excerpt=(
        "capacity-building actions are essential to bridging the digital divide between the "
        "Global North and South"
    ),
    links=(
        SeedLink(
            EDITION_2017,
            "para_4",
            "Paragraph 4 of the 2017 text describes the digital divide between and within "
            "countries.",
        ),
        SeedLink(
            EDITION_2017,
            "para_22",
            "Paragraph 22 of the 2017 text asks Parties to support capacity-building activities.",
        ),
    ),
)
PRESS_REMUNERATION = SeedPosition(
    paper=PAPER_PRESS_RELEASE,
    stance="support",
    summary="Among the questions raised by generative AI: artists, writers and journalists "
    "must see their work recognised and fairly remunerated.",
    excerpt=(
        "Les artistes, écrivains et journalistes doivent voir leur travail reconnu et "
        "rémunéré équitablement"
    ),
    links=(
        SeedLink(
            EDITION_2017,
            "para_14-2",
            "Sub-paragraph 14.2 of the 2017 text concerns the fair remuneration of creators "
            "and performers.",
        ),
        SeedLink(
            EDITION_2017,
            "para_14-6",
            "Sub-paragraph 14.6 of the 2017 text promotes recognising creators' work, "
            "including fair and equitable remuneration.",
        ),
    ),
)
PRESS_COPYRIGHT = SeedPosition(
    paper=PAPER_PRESS_RELEASE,
    stance="support",
    summary="Copyright guarantees the remuneration of artists and authors and has always "
    "accompanied technological change.",
    excerpt=(
        "Garant de la rémunération des artistes et auteurs, il a toujours accompagné les "
        "évolutions technologiques"
    ),
    links=(
        SeedLink(
            EDITION_2017,
            "para_16-6",
            "Sub-paragraph 16.6 of the 2017 text concerns the legal framework for online "
            "distribution, including copyright and related rights treaties.",
        ),
        SeedLink(
            EDITION_2017,
            "para_17-8",
            "Sub-paragraph 17.8 of the 2017 text encourages legislation for the fair "
            "remuneration of rights holders.",
        ),
    ),
)
POSITIONS = [
    JA_ART,
    JA_REMOVE_1_2,
    JA_LLM_2_2_1,
    JA_DATA,
    JA_REPLACEMENT_2_2_3,
    JA_NEUTRALITY,
    IFCCD_CONSULTATION,
    IFCCD_CAPACITY,
    PRESS_REMUNERATION,
    PRESS_COPYRIGHT,
]


# --- amendments ----------------------------------------------------------------------
# Only where a paper asks for a change in its own words (DESIGN.md, "Honest data"): the
# proposed text and the justification are the paper's sentences, verbatim (bold
# markers removed); nothing is written in the coalition's name that it did not write.


@dataclass(frozen=True)
class SeedAmendment:
    clause: str  # eid in the partial draft
    operation: str
    insert_position: str
    proposed_text: str
    justification: str
    positions: tuple[SeedPosition, ...]


AMENDMENT_DELETE_1_2 = SeedAmendment(
    clause="para_1-2",
    operation="delete",
    insert_position="",
    proposed_text="",
    justification=(
        "Principle 1.2, which establishes a “right [...] to use AI in the name of artistic "
        "freedom,” does not respond to an identified need and appears to be inconsistent with "
        "the purpose of a text aimed at implementing the 2005 Convention in the digital "
        "environment, whose objective is notably to protect and promote artists and cultural "
        "professionals, as well as to strengthen the diversity of cultural expressions. "
        "Moreover, such a provision could, conversely, undermine the freedom of artists and "
        "cultural professionals not to use AI, particularly in contexts where its use could be "
        "imposed for reasons such as efficiency, including economic considerations. This "
        "principle should therefore be removed from the Operational Guidelines."
    ),
    positions=(JA_REMOVE_1_2,),
)
AMENDMENT_DELETE_2_2_3 = SeedAmendment(
    clause="para_2-2-3",
    operation="delete",
    insert_position="",
    proposed_text="",
    justification=(
        "The Operational Guidelines must not include provisions that could encourage or "
        "legitimize the replacement of creative professions by generative artificial "
        "intelligence systems, for example in areas such as dubbing or translation (2.2.3). "
        "Professional translators and audiovisual adaptation specialists are essential to the "
        "protection and promotion of a diversity of cultural expression and linguistic "
        "integrity. As drafted, provision 2.2.3 risks promoting their replacement by AI "
        "without sufficient respect for their copyright and related rights and undervalues "
        "human expertise and cultural nuance. Therefore, the provision should not be included."
    ),
    positions=(JA_REPLACEMENT_2_2_3,),
)
# "From the outset": the first provision the partial draft is known to hold is 1.2, so
# the new clause goes before it (the draft's sections are not known).
AMENDMENT_INSERT_ART = SeedAmendment(
    clause="para_1-2",
    operation="insert",
    insert_position="before",
    proposed_text=(
        "the use of protected works for the development and operation of AI systems is "
        "subject to prior authorization from rightsholders; creators are remunerated where "
        "their works contribute to the functioning and outputs of such systems; and "
        "transparency obligations are placed on those developing and deploying AI systems, "
        "including regarding the protected content used, the modalities of use, and the value "
        "generated. Transparency is a precondition for both, as it enables creators and right "
        "holders to identify how their works are used and to exercise their rights effectively."
    ),
    justification=(
        "These conditions should be clearly set out from the outset in the Operational "
        "Guidelines, in order to ensure that the development of AI systems remains consistent "
        "with the protection of human creativity and the objectives of the Convention."
    ),
    positions=(JA_ART,),
)
# In the paper's order: the ART principles (its point 1), then 1.2 (2), then 2.2.3 (4).
AMENDMENTS = [AMENDMENT_INSERT_ART, AMENDMENT_DELETE_1_2, AMENDMENT_DELETE_2_2_3]
