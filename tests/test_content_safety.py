"""What the pages say for safety: hold on before standing, how long a cramp lasts, the
emergency with the country's number, the red flags, the leg check, the fluids evidence,
and one length for the bedtime routine wherever it is named."""

from __future__ import annotations

import re

import pytest

from app.reminders.message import payload
from app.routine import ROUTINE_MINUTES, routine_seconds
from app.web import content
from app.web.content.bedtime import SEATED, routine_steps
from app.web.content.relief import STANDING
from app.web.pages import OFFLINE_PAGES


def section(html: str, start: str, end: str = "</section>") -> str:
    """The piece of a page from a marker to the next end marker."""
    return html.split(start, 1)[1].split(end, 1)[0]


def steps_of(html: str) -> dict[str, str]:
    """Each relief step's markup, by its key."""
    return dict(re.findall(r'<li class="step[^"]*" data-step="([\w-]+)".*?>(.*?)</li>', html, re.S))


# --- relief -----------------------------------------------------------------------------


def test_every_standing_step_says_hold_on_and_offers_the_in_bed_version(client):
    steps = steps_of(client.get("/relief").get_data(as_text=True))
    standing = {step.key for step in content.RELIEF_STEPS if step.where == STANDING}
    assert standing == {"stand-lean", "heel-walk"}
    for key, markup in steps.items():
        safety = re.search(r'<p class="step-safety">Hold on to something steady.</p>', markup)
        choice = re.search(r'<button type="button" class="secondary unsteady">Unsteady\? Stay in bed</button>', markup)
        assert bool(safety) == bool(choice) == (key in standing), key
    # The note comes before the instruction: read (and spoken) first.
    lean = steps["stand-lean"]
    assert lean.index("step-safety") < lean.index("step-text") < lean.index("unsteady")


def test_the_relief_screen_says_most_cramps_pass_within_about_10_minutes(client):
    html = client.get("/relief").get_data(as_text=True)
    assert '<p class="passes timer-only">Most cramps pass within seconds, or at most about 10 minutes.</p>' in html
    sources = section(html, 'id="step-sources-title"')
    assert "How long a cramp lasts" in sources and "NHS: Leg cramps" in sources


@pytest.mark.parametrize(("lang", "number"), [("en", None), ("es", "112"), ("ru", "112")])
def test_the_10_minute_advice_carries_the_emergency_with_the_country_s_number(client, lang, number):
    html = client.get("/relief", headers={"Accept-Language": lang}).get_data(as_text=True)
    alert = section(html, '<div id="red-flag"', "</div>")
    if lang == "en":
        assert "urgent medical advice" in alert
        assert "Sudden breathlessness, chest pain or coughing up blood? Call the emergency number now." in alert
        assert '<a href="/doctor">When to see a doctor</a>' in alert
    # Every country's number is in the page (offline), the language's country shown without script.
    calls = re.findall(
        r'<span class="emergency-call" data-country="(\w+)"[^>]*?( hidden)?><a class="button call" href="tel:(\d+)"',
        alert,
    )
    assert len(calls) == len([c for c in content.COUNTRIES if c.emergency])
    shown = [tel for _, hidden, tel in calls if not hidden]
    assert shown == ([number] if number else [])  # English: no country until the script asks the phone
    if not number:
        assert (
            '<span class="emergency-call" data-country="ZZ" data-regions="">Call your local emergency number.' in alert
        )
    assert dict((code, tel) for code, _, tel in calls)["AR"] == "107"  # an ambulance where that is the number


def test_the_emergency_sentence_names_its_sources_below_the_controls(client):
    sources = section(client.get("/relief").get_data(as_text=True), 'id="step-sources-title"')
    item = sources.split("Breathless, chest pain or coughing up blood", 1)[1].split("</li>", 1)[0]
    assert "NHS: pulmonary embolism" in item and "deep vein thrombosis" in item


def test_after_its_gone_the_screen_says_soreness_is_normal_and_offers_the_leg_check(client):
    done = client.get("/relief").get_data(as_text=True).split('<section id="done"', 1)[1]
    assert "The calf can stay sore or tender for up to a day. That is normal after a cramp." in done
    check = section(done, '<section class="leg-check"')
    assert "Is one leg swollen, warm, red or darker than usual?" in check
    assert re.search(r'<button type="button" id="leg-check-yes"[^>]*aria-expanded="false"[^>]*>Yes</button>', check)
    advice = check.split('id="leg-check-advice"', 1)[1]
    assert advice.startswith(' class="leg-check-advice" hidden>')
    assert "Do not rub or massage it." in advice and "urgent medical advice" in advice
    assert '<a href="/doctor#dvt">' in advice
    # Small, and never in the way of closing the screen: "Back to start" follows it.
    assert done.index('class="leg-check"') < done.index('id="done-home"')


# --- when to see a doctor -----------------------------------------------------------------


def test_the_emergency_comes_first_on_the_doctor_page_with_the_number(client):
    html = client.get("/doctor").get_data(as_text=True)
    main = html.split("<h1>When to see a doctor</h1>", 1)[1]
    assert main.lstrip().startswith('<section class="flags flags-emergency"')
    emergency = section(main, 'class="flags flags-emergency"')
    assert "Call the emergency number now if you have" in emergency
    assert "sudden breathlessness, chest pain or coughing up blood" in emergency
    assert "NHS: pulmonary embolism" in emergency
    assert re.search(r'data-country="GB" data-regions="" hidden><a class="button call" href="tel:999">', emergency)
    assert main.index("flags-emergency") < main.index("urgent-title") < main.index("numbers-title")


def test_the_new_red_flags_are_on_the_doctor_page_each_with_a_source(client):
    html = client.get("/doctor").get_data(as_text=True)
    urgent = section(html, 'id="urgent-title"')
    assert '<li id="dvt">One leg is swollen' in urgent  # the leg check links here
    torn = section(urgent, '<li id="torn">', "</li>")
    assert "“pop”" in torn and "trouble standing" in torn and "Achilles tendon" in torn
    assert "Source: NHS: Achilles tendon rupture" in torn
    alike = section(html, 'id="alike-title"')
    assert "Claudication: pain in the calf when you walk that eases when you rest." in alike
    assert "Restless legs" in alike
    for part in (section(html, "flags-emergency"), urgent, section(html, 'id="soon-title"'), alike):
        items = re.findall(r"<li[^>]*>(.*?)</li>", part, re.S)
        assert items and all('class="source-list"' in item for item in items)


# --- checklist ---------------------------------------------------------------------------


def test_the_fluids_why_is_honest_that_the_evidence_is_weak(client):
    (fluids,) = [item for item in content.CHECKLIST if item.key == "fluids"]
    why = str(fluids.why)
    assert why.startswith("The evidence is weak.")
    assert "Mayo Clinic suggests" in why and "tired muscles and nerves" in why
    assert "If a doctor has limited how much you drink, follow their advice." in why
    assert fluids.evidence == content.MAY_HELP
    assert [s.name for s in fluids.sources] == [content.MAYO.name, content.AAFP.name]
    assert why in client.get("/checklist").get_data(as_text=True)


# --- the routine's length -----------------------------------------------------------------


def test_the_routine_s_steps_add_up_to_the_one_length(app):
    with app.test_request_context():
        steps = routine_steps()
    for where in (STANDING, SEATED):
        assert sum(step.seconds for step in steps if step.where == where) == routine_seconds()
    assert ROUTINE_MINUTES == 4


@pytest.mark.parametrize(
    ("lang", "page", "push"),
    [
        ("en", "about 4 minutes", "About 4 minutes of calf stretches before bed?"),
        ("es", "unos 4 minutos", "¿Unos 4 minutos de estiramientos de pantorrilla antes de dormir?"),
        ("ru", "около 4 минут", "Примерно 4 минуты растяжки икр перед сном?"),
    ],
)
def test_the_bedtime_page_the_reminders_page_and_the_push_name_the_same_length(app, client, lang, page, push):
    headers = {"Accept-Language": lang}
    assert page in client.get("/bedtime", headers=headers).get_data(as_text=True)
    with app.app_context():
        assert payload(lang)["body"] == push
    assert push in client.get("/reminders", headers=headers).get_data(as_text=True)


# --- issue 29: massage warning, leg check, urgent route, pregnancy, quinine, staying active ---------

LANGS = ("en", "es", "ru")


def page(client, path: str, lang: str) -> str:
    return client.get(path, headers={"Accept-Language": lang}).get_data(as_text=True)


@pytest.mark.parametrize(
    ("lang", "warning"),
    [
        ("en", "Not if the leg is swollen, warm or red."),
        ("es", "No la frote si la pierna está hinchada, caliente o roja."),
        ("ru", "Не растирайте ногу, если она отекла, горячая или красная."),
    ],
)
def test_the_rub_step_says_never_to_rub_a_leg_that_may_hold_a_clot(client, lang, warning):
    rub = steps_of(page(client, "/relief", lang))["massage"]
    # In the instruction itself, before the words that say to knead (and spoken with them).
    assert f'<p class="step-text"><strong class="step-caution">{warning}</strong> ' in rub
    sources = section(page(client, "/relief", lang), 'id="step-sources-title"')
    assert warning in sources  # with its source (the DVT advice)


@pytest.mark.parametrize(("lang", "yes", "no"), [("en", "Yes", "No"), ("es", "Sí", "No"), ("ru", "Да", "Нет")])
def test_the_leg_check_asks_yes_or_no_before_any_warmth_tip(client, lang, yes, no):
    done = page(client, "/relief", lang).split('<section id="done"', 1)[1]
    check = section(done, '<section class="leg-check"')
    assert re.search(rf'<button type="button" id="leg-check-yes"[^>]*>{yes}</button>', check)
    assert re.search(
        rf'<button type="button" id="leg-check-no"[^>]*aria-controls="aftercare"[^>]*>{no}</button>', check
    )
    assert done.index('class="leg-check"') < done.index('<ul class="tips" id="aftercare">')


@pytest.mark.parametrize("lang", LANGS)
def test_every_country_s_urgent_route_reads_the_same_on_doctor_and_in_the_10_minute_advice(client, lang):
    doctor = section(page(client, "/doctor", lang), 'id="urgent-title"')
    relief = section(page(client, "/relief", lang), '<div id="red-flag"', "</div>")
    route = r'<span data-country="(\w+)" data-regions="[^"]*"(?: hidden)?>([^<]+)</span>'
    on_doctor, in_box = dict(re.findall(route, doctor)), dict(re.findall(route, relief))
    assert on_doctor == in_box and set(on_doctor) == {c.code for c in content.COUNTRIES}
    for country in content.COUNTRIES:
        text = on_doctor[country.code]
        assert "advice line" not in text and "%(" not in text
        named = country.urgent_number or (country.emergency.number if country.emergency else None)
        assert (named in text) if named else ("112" not in text and "911" not in text), (lang, country.code, text)
    if lang == "en":
        assert on_doctor["GB"] == "Call NHS 111, day or night. If it is severe, call 999."
        assert on_doctor["ES"].startswith("Go to urgencias at your health centre")
        assert on_doctor["AR"].startswith("Go to the guardia")
        assert "неотложная помощь" in on_doctor["RU"] and "приёмное отделение" in on_doctor["RU"]
    if lang == "es":
        assert on_doctor["ES"] == "Acuda a urgencias de su centro de salud o de un hospital, o llame al 112."
        assert on_doctor["AR"] == "Vaya a la guardia de un hospital o llame al 107."
    if lang == "ru":
        assert on_doctor["RU"] == "Вызовите неотложную помощь (103) или обратитесь в приёмное отделение больницы."
        assert "травмпункт" not in doctor  # for injuries, not for a clot


@pytest.mark.parametrize(
    ("lang", "common", "carers"),
    [
        (
            "en",
            "Leg cramps are common in pregnancy, especially in the later months. The same stretches help.",
            {"GB": "Ask your midwife.", "US": "Ask your OB-GYN or midwife.", "ES": "Ask your midwife (matrona)."},
        ),
        (
            "es",
            "Los calambres en las piernas son frecuentes en el embarazo, sobre todo en los últimos meses.",
            {
                "ES": "Consulte a su matrona.",
                "MX": "Consulte a su obstetra o a su médico.",
                "AR": "Consulte a su obstetra",
            },
        ),
        (
            "ru",
            "При беременности ноги сводит часто, особенно в последние месяцы.",
            {"RU": "Спросите врача, ведущего беременность (акушера-гинеколога).", "KZ": "врача, ведущего беременность"},
        ),
    ],
)
def test_the_doctor_page_speaks_to_pregnancy_and_names_who_to_ask_by_country(client, lang, common, carers):
    pregnancy = section(page(client, "/doctor", lang), 'id="pregnancy-title"')
    assert common in pregnancy
    assert 'class="label label-helps"' in pregnancy and pregnancy.count('class="source-list"') == 4
    shown = dict(re.findall(r'<span data-country="(\w+)"(?: hidden)?>([^<]+)</span>', pregnancy))
    assert set(shown) == {c.code for c in content.COUNTRIES}
    for code, words in carers.items():
        assert words in shown[code], (code, shown[code])
    if lang == "es":
        assert "matrona" not in shown["MX"] + shown["AR"]  # the Spanish word, not Mexico's or Argentina's
    if lang == "en":
        assert "midwife" in shown["GB"] and "OB-GYN" in shown["US"]


@pytest.mark.parametrize(
    ("lang", "seated"),
    [
        ("en", "Late in pregnancy, or if your balance is unsure, choose this."),
        ("es", "Al final del embarazo, o si no se siente estable, elija esta opción."),
        ("ru", "На позднем сроке беременности или если плохо держите равновесие, выберите этот вариант."),
    ],
)
def test_the_bedtime_page_offers_the_seated_routine_in_pregnancy_and_staying_active(client, lang, seated):
    html = page(client, "/bedtime", lang)
    assert f'<p class="hint" id="seated-hint">{seated}</p>' in html
    tips = html.split('<ul class="tips">', 1)[1].split("</ul>", 1)[0]
    items = re.findall(r"<li>(.*?)</li>", tips, re.S)
    assert len(items) == 2 and all("label label-may-help" in item for item in items)
    words = {
        "en": ("stationary bike", "active"),
        "es": ("bicicleta estática", "Muévase"),
        "ru": ("велотренажёре", "Двигайтесь"),
    }
    assert words[lang][0] in items[0] and words[lang][1] in items[1]


# The one drug the app names, in each language, and what it must never name beside it.
QUININE = {"en": "quinine", "es": "quinina", "ru": "хинин"}
OTHER_DRUGS = {
    "en": ["gabapentin", "phenobarbital", "muscle relaxant", "calcium-channel", "magnesium", "tablet of", "mg"],
    "es": ["gabapentina", "fenobarbital", "relajante muscular", "calcio", "magnesio", "mg"],
    "ru": ["габапентин", "фенобарбитал", "миорелаксант", "кальци", "магни", "мг"],
}


@pytest.mark.parametrize("lang", LANGS)
def test_quinine_is_named_once_as_not_recommended_with_no_dose_and_no_other_drug(client, lang):
    checklist = page(client, "/checklist", lang)
    block = section(checklist, 'id="notrecommended-title"')
    sentence = re.search(r"<p>(.*?)</p>", block, re.S).group(1)
    assert QUININE[lang] in sentence.lower()
    assert not re.search(r"\d", sentence), "no dose, no amount"
    assert not [drug for drug in OTHER_DRUGS[lang] if drug in sentence.lower()]
    assert "FDA" in block and "MHRA" in block
    # Nowhere else, on any page: only this one "not recommended" line (and its source) names it.
    for path in OFFLINE_PAGES:
        html = page(client, path, lang)
        if path == "/checklist":
            html = html.replace(block, "")
        assert QUININE[lang] not in html.lower(), path
