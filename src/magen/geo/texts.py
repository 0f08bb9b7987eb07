"""The guidance messages in Hebrew, Arabic and English: openers, actions, closings.

Written to read naturally in each language (plural address, as public alerts are), after
the Home Front Command's own wording where it exists. Placeholders: {shelter}, {address},
{seconds} (the walk, where a siren's seconds count), {walk} (the same walk in minutes, with no
alert, in each language's own number forms: `walk_minutes`), {near} (how far the nearest open
ground threat is, or nothing: `threat_distance`).
"""

from __future__ import annotations

Texts = dict[str, str]

OPENERS: dict[str, Texts] = {
    "missiles": {
        "he": "התרעה: ירי רקטות וטילים.",
        "ar": "إنذار: إطلاق قذائف صاروخية وصواريخ.",
        "en": "Alert: rocket and missile fire.",
    },
    "hostile_aircraft_intrusion": {
        "he": "התרעה: חדירת כלי טיס עוין.",
        "ar": "إنذار: تسلّل طائرة معادية.",
        "en": "Alert: hostile aircraft intrusion.",
    },
    "terrorist_infiltration": {
        "he": "התרעה: חדירת מחבלים.",
        "ar": "إنذار: تسلّل مخرّبين.",
        "en": "Alert: terrorist infiltration.",
    },
    "ground_threat": {
        "he": "דווח על מחבלים חמושים בקרבתכם.",
        "ar": "وردت بلاغات عن مسلّحين بالقرب منكم.",
        "en": "Armed attackers have been reported near you.",
    },
}

# What to do, by reason and setting (at home or in a building; outdoors).
BODIES: dict[tuple[str, str], Texts] = {
    ("routine", "building"): {
        "he": "אין התרעה באזורכם.",
        "ar": "لا يوجد إنذار في منطقتكم.",
        "en": "No alert in your area.",
    },
    ("shelter_in_time", "building"): {
        "he": (
            "אם יש בבית ממ״ד, או מקלט בבניין שמגיעים אליו בחדר מדרגות פנימי, היכנסו אליו "
            "עכשיו. אחרת: לכו עכשיו למקלט הציבורי {shelter} ({address}): כ־{seconds} שניות "
            "הליכה במסלול המסומן."
        ),
        "ar": (
            "إن كان في البيت غرفة محصّنة (ممّاد)، أو في البناية ملجأ يُوصَل إليه عبر درج "
            "داخلي، فادخلوه الآن. وإلّا: توجّهوا الآن إلى الملجأ العام {shelter} "
            "({address}): نحو {seconds} ثانية مشيًا عبر المسار المبيَّن."
        ),
        "en": (
            "If your home has a protected room (mamad), or your building a shelter reached "
            "by an inner staircase, go in now. If not, go now to public shelter {shelter} "
            "({address}): about {seconds} seconds on foot by the route shown."
        ),
    },
    ("shelter_in_time", "outdoors"): {
        "he": (
            "לכו עכשיו למקלט הציבורי {shelter} ({address}): כ־{seconds} שניות הליכה במסלול "
            "המסומן. אם לא תספיקו, היכנסו למבנה הקרוב."
        ),
        "ar": (
            "توجّهوا الآن إلى الملجأ العام {shelter} ({address}): نحو {seconds} ثانية "
            "مشيًا عبر المسار المبيَّن. إن لم تتمكّنوا من الوصول في الوقت، فادخلوا أقرب "
            "مبنى."
        ),
        "en": (
            "Go now to public shelter {shelter} ({address}): about {seconds} seconds on "
            "foot by the route shown. If you cannot make it in time, enter the nearest "
            "building."
        ),
    },
    ("protected_space_at_home", "building"): {
        "he": "היכנסו עכשיו לממ״ד וסגרו את דלת הפלדה ואת החלון.",
        "ar": "ادخلوا الآن الغرفة المحصّنة (الممّاد) وأغلقوا الباب الفولاذي والنافذة.",
        "en": "Go into your protected room (mamad) now and close the steel door and window.",
    },
    ("no_shelter_in_time", "building"): {
        "he": (
            "אין מקלט ציבורי שאפשר להגיע אליו בזמן. היכנסו לממ״ד אם יש; אם אין, לחדר "
            "מדרגות פנימי (לא בקומות העליונות ולא בקומת הקרקע) או לחדר פנימי עם מעט ככל "
            "האפשר קירות חיצוניים וחלונות. שבו על הרצפה, מתחת לקו החלון."
        ),
        "ar": (
            "لا يوجد ملجأ عام يمكن الوصول إليه في الوقت المتاح. ادخلوا الغرفة المحصّنة "
            "(الممّاد) إن وُجدت؛ وإلّا فإلى بيت درج داخلي (ليس في الطوابق العليا ولا في "
            "الطابق الأرضي) أو إلى غرفة داخلية فيها أقلّ ما يمكن من الجدران الخارجية "
            "والنوافذ. اجلسوا على الأرض تحت مستوى النافذة."
        ),
        "en": (
            "No public shelter can be reached in time. Go into your protected room (mamad) "
            "if you have one; if not, an inner stairwell (not on the top floors or the "
            "ground floor) or an inner room with as few outer walls and windows as "
            "possible. Sit on the floor, below window level."
        ),
    },
    ("no_shelter_in_time", "outdoors"): {
        "he": (
            "היכנסו מיד למבנה הקרוב, לחדר מדרגות פנימי או לחדר פנימי. בשטח פתוח, אם אין "
            "מבנה קרוב, שכבו על הקרקע והגנו על הראש בידיים."
        ),
        "ar": (
            "ادخلوا فورًا أقرب مبنى، إلى بيت درج داخلي أو غرفة داخلية. في منطقة مكشوفة لا "
            "مبنى قريبًا منها، استلقوا على الأرض واحموا رؤوسكم بأيديكم."
        ),
        "en": (
            "Enter the nearest building now and get to an inner stairwell or inner room. "
            "In the open, with no building near, lie on the ground and protect your head "
            "with your hands."
        ),
    },
    ("route_blocked_by_danger", "building"): {
        "he": (
            "אל תצאו למקלט הציבורי: הדרך אליו עוברת באזור מסוכן. היכנסו לממ״ד אם יש; אם "
            "אין, לחדר מדרגות פנימי (לא בקומות העליונות ולא בקומת הקרקע) או לחדר פנימי עם "
            "מעט ככל האפשר קירות חיצוניים וחלונות. שבו על הרצפה, מתחת לקו החלון."
        ),
        "ar": (
            "لا تخرجوا إلى الملجأ العام: الطريق إليه تمرّ بمنطقة خطرة. ادخلوا الغرفة "
            "المحصّنة (الممّاد) إن وُجدت؛ وإلّا فإلى بيت درج داخلي (ليس في الطوابق العليا "
            "ولا في الطابق الأرضي) أو إلى غرفة داخلية فيها أقلّ ما يمكن من الجدران "
            "الخارجية والنوافذ. اجلسوا على الأرض تحت مستوى النافذة."
        ),
        "en": (
            "Do not go out to the public shelter: the way there passes a danger area. Go "
            "into your protected room (mamad) if you have one; if not, an inner stairwell "
            "(not on the top floors or the ground floor) or an inner room with as few "
            "outer walls and windows as possible. Sit on the floor, below window level."
        ),
    },
    ("route_blocked_by_danger", "outdoors"): {
        "he": (
            "אל תלכו למקלט הציבורי: הדרך אליו עוברת באזור מסוכן. היכנסו מיד למבנה הקרוב, "
            "לחדר מדרגות פנימי או לחדר פנימי."
        ),
        "ar": (
            "لا تذهبوا إلى الملجأ العام: الطريق إليه تمرّ بمنطقة خطرة. ادخلوا فورًا أقرب "
            "مبنى، إلى بيت درج داخلي أو غرفة داخلية."
        ),
        "en": (
            "Do not head for the public shelter: the way there passes a danger area. Enter "
            "the nearest building now and get to an inner stairwell or inner room."
        ),
    },
    ("infiltration", "building"): {
        "he": (
            "הישארו בבית. נעלו את הדלתות והחלונות, כבו את האורות, התרחקו מדלתות ומחלונות "
            "ושמרו על שקט. אל תפתחו את הדלת לאיש עד שכוחות הביטחון יודיעו על סיום האירוע."
        ),
        "ar": (
            "ابقوا في البيت. أقفلوا الأبواب والنوافذ، أطفئوا الأنوار، ابتعدوا عن الأبواب "
            "والنوافذ والتزموا الهدوء. لا تفتحوا الباب لأحد حتى تعلن قوات الأمن انتهاء "
            "الحدث."
        ),
        "en": (
            "Stay inside. Lock the doors and windows, turn off the lights, keep away from "
            "doors and windows and stay quiet. Open the door to no one until the security "
            "forces announce the event is over."
        ),
    },
    ("infiltration", "outdoors"): {
        "he": (
            "היכנסו מיד למבנה הקרוב. נעלו את הדלתות והחלונות, כבו את האורות, התרחקו מדלתות "
            "ומחלונות ושמרו על שקט. אל תפתחו את הדלת לאיש עד שכוחות הביטחון יודיעו על סיום "
            "האירוע. אם אין מבנה, מצאו את המסתור הטוב ביותר והישארו מחוץ לטווח ראייה."
        ),
        "ar": (
            "ادخلوا فورًا أقرب مبنى. أقفلوا الأبواب والنوافذ، أطفئوا الأنوار، ابتعدوا عن "
            "الأبواب والنوافذ والتزموا الهدوء. لا تفتحوا الباب لأحد حتى تعلن قوات الأمن "
            "انتهاء الحدث. إن لم يكن هناك مبنى، فابحثوا عن أفضل مخبأ ممكن وابقوا بعيدين عن "
            "الأنظار."
        ),
        "en": (
            "Get into the nearest building now. Lock the doors and windows, turn off the "
            "lights, keep away from doors and windows and stay quiet. Open the door to no "
            "one until the security forces announce the event is over. If there is no "
            "building, take the best cover you can find and keep out of sight."
        ),
    },
    ("infiltration_and_fire", "building"): {
        "he": (
            "אל תצאו למקלט ציבורי ולא לחדר המדרגות. היכנסו לממ״ד או לחדר פנימי בבית ונעלו "
            "אותו (אל תפרקו את ידית הדלת, חסמו אותה בחפץ כבד). כבו את האורות, התרחקו מהדלת "
            "ומהחלונות ושמרו על שקט."
        ),
        "ar": (
            "لا تخرجوا إلى ملجأ عام ولا إلى بيت الدرج. ادخلوا الغرفة المحصّنة (الممّاد) أو "
            "غرفة داخلية في البيت وأقفلوها (لا تفكّوا مقبض الباب، بل ثبّتوه بجسم ثقيل). "
            "أطفئوا الأنوار، ابتعدوا عن الباب والنوافذ والتزموا الهدوء."
        ),
        "en": (
            "Do not go out to a public shelter or into the stairwell. Go into your "
            "protected room (mamad) or an inner room and lock it (do not remove the door "
            "handle; jam it with something heavy). Turn off the lights, keep away from the "
            "door and windows and stay quiet."
        ),
    },
    ("infiltration_and_fire", "outdoors"): {
        "he": (
            "היכנסו מיד למבנה הקרוב, לחדר פנימי, ונעלו. אל תלכו למקלט ציבורי. כבו את "
            "האורות ושמרו על שקט, הרחק מדלתות ומחלונות."
        ),
        "ar": (
            "ادخلوا فورًا أقرب مبنى، إلى غرفة داخلية، وأقفلوها. لا تذهبوا إلى ملجأ عام. "
            "أطفئوا الأنوار والتزموا الهدوء، بعيدًا عن الأبواب والنوافذ."
        ),
        "en": (
            "Get into the nearest building now, into an inner room, and lock it. Do not go "
            "to a public shelter. Turn off the lights and stay quiet, away from doors and "
            "windows."
        ),
    },
    ("ground_threat_nearby", "building"): {
        "he": (
            "הישארו בבית. נעלו את הדלתות והחלונות, כבו את האורות, התרחקו מדלתות ומחלונות "
            "ושמרו על שקט. אל תפתחו את הדלת לאיש עד שכוחות הביטחון יודיעו על סיום האירוע."
        ),
        "ar": (
            "ابقوا في البيت. أقفلوا الأبواب والنوافذ، أطفئوا الأنوار، ابتعدوا عن الأبواب "
            "والنوافذ والتزموا الهدوء. لا تفتحوا الباب لأحد حتى تعلن قوات الأمن انتهاء "
            "الحدث."
        ),
        "en": (
            "Stay inside. Lock the doors and windows, turn off the lights, keep away from "
            "doors and windows and stay quiet. Open the door to no one until the security "
            "forces announce the event is over."
        ),
    },
    ("ground_threat_nearby", "outdoors"): {
        "he": (
            "היכנסו מיד למבנה הקרוב. נעלו את הדלתות והחלונות, כבו את האורות, התרחקו מדלתות "
            "ומחלונות ושמרו על שקט. אל תפתחו את הדלת לאיש עד שכוחות הביטחון יודיעו על סיום "
            "האירוע. אם אין מבנה, מצאו את המסתור הטוב ביותר והישארו מחוץ לטווח ראייה."
        ),
        "ar": (
            "ادخلوا فورًا أقرب مبنى. أقفلوا الأبواب والنوافذ، أطفئوا الأنوار، ابتعدوا عن "
            "الأبواب والنوافذ والتزموا الهدوء. لا تفتحوا الباب لأحد حتى تعلن قوات الأمن "
            "انتهاء الحدث. إن لم يكن هناك مبنى، فابحثوا عن أفضل مخبأ ممكن وابقوا بعيدين عن "
            "الأنظار."
        ),
        "en": (
            "Get into the nearest building now. Lock the doors and windows, turn off the "
            "lights, keep away from doors and windows and stay quiet. Open the door to no "
            "one until the security forces announce the event is over. If there is no "
            "building, take the best cover you can find and keep out of sight."
        ),
    },
    ("ground_threat_and_fire", "building"): {
        "he": (
            "אל תצאו למקלט ציבורי ולא לחדר המדרגות. היכנסו לממ״ד או לחדר פנימי בבית ונעלו "
            "אותו (אל תפרקו את ידית הדלת, חסמו אותה בחפץ כבד). כבו את האורות, התרחקו מהדלת "
            "ומהחלונות ושמרו על שקט."
        ),
        "ar": (
            "لا تخرجوا إلى ملجأ عام ولا إلى بيت الدرج. ادخلوا الغرفة المحصّنة (الممّاد) أو "
            "غرفة داخلية في البيت وأقفلوها (لا تفكّوا مقبض الباب، بل ثبّتوه بجسم ثقيل). "
            "أطفئوا الأنوار، ابتعدوا عن الباب والنوافذ والتزموا الهدوء."
        ),
        "en": (
            "Do not go out to a public shelter or into the stairwell. Go into your "
            "protected room (mamad) or an inner room and lock it (do not remove the door "
            "handle; jam it with something heavy). Turn off the lights, keep away from the "
            "door and windows and stay quiet."
        ),
    },
    ("ground_threat_and_fire", "outdoors"): {
        "he": (
            "היכנסו מיד למבנה הקרוב, לחדר פנימי, ונעלו. אל תלכו למקלט ציבורי. כבו את "
            "האורות ושמרו על שקט, הרחק מדלתות ומחלונות."
        ),
        "ar": (
            "ادخلوا فورًا أقرب مبنى، إلى غرفة داخلية، وأقفلوها. لا تذهبوا إلى ملجأ عام. "
            "أطفئوا الأنوار والتزموا الهدوء، بعيدًا عن الأبواب والنوافذ."
        ),
        "en": (
            "Get into the nearest building now, into an inner room, and lock it. Do not go "
            "to a public shelter. Turn off the lights and stay quiet, away from doors and "
            "windows."
        ),
    },
    ("routine", "outdoors"): {
        "he": "אין התרעה באזורכם.",
        "ar": "لا يوجد إنذار في منطقتكم.",
        "en": "No alert in your area.",
    },
    ("protected_space_at_home", "outdoors"): {
        "he": (
            "היכנסו מיד למבנה הקרוב, לחדר מדרגות פנימי או לחדר פנימי. בשטח פתוח, אם אין "
            "מבנה קרוב, שכבו על הקרקע והגנו על הראש בידיים."
        ),
        "ar": (
            "ادخلوا فورًا أقرب مبنى، إلى بيت درج داخلي أو غرفة داخلية. في منطقة مكشوفة لا "
            "مبنى قريبًا منها، استلقوا على الأرض واحموا رؤوسكم بأيديكم."
        ),
        "en": (
            "Enter the nearest building now and get to an inner stairwell or inner room. "
            "In the open, with no building near, lie on the ground and protect your head "
            "with your hands."
        ),
    },
}

BODIES[("ground_threat_in_town", "building")] = {
    "he": (
        "דווח על מחבלים חמושים ביישוב{near}. הישארו בבית ונעלו את הדלת עד שהמשטרה תודיע על "
        "סיום האירוע. אל תצאו, גם לא למקלט ציבורי, אלא אם התרעה רשמית תורה לכם."
    ),
    "ar": (
        "وردت بلاغات عن مسلّحين في البلدة{near}. ابقوا في البيت وأقفلوا الباب حتى تعلن "
        "الشرطة انتهاء الحدث. لا تخرجوا، ولا حتى إلى ملجأ عام، إلّا إذا طلب منكم ذلك إنذار "
        "رسمي."
    ),
    "en": (
        "Armed attackers have been reported in the town{near}. Stay inside and lock the door "
        "until the police announce the event is over. Do not go out, not even to a public "
        "shelter, unless an official alert tells you to."
    ),
}
BODIES[("ground_threat_in_town", "outdoors")] = {
    "he": (
        "דווח על מחבלים חמושים ביישוב{near}. היכנסו מיד למבנה הקרוב ונעלו את הדלת עד "
        "שהמשטרה תודיע על סיום האירוע. אל תלכו למקלט ציבורי, אלא אם התרעה רשמית תורה לכם."
    ),
    "ar": (
        "وردت بلاغات عن مسلّحين في البلدة{near}. ادخلوا فورًا أقرب مبنى وأقفلوا الباب حتى "
        "تعلن الشرطة انتهاء الحدث. لا تذهبوا إلى ملجأ عام إلّا إذا طلب منكم ذلك إنذار رسمي."
    ),
    "en": (
        "Armed attackers have been reported in the town{near}. Get into the nearest building "
        "now and lock the door until the police announce the event is over. Do not head for "
        "a public shelter unless an official alert tells you to."
    ),
}

ROUTINE_NEAREST: Texts = {
    "he": "המקלט הציבורי הקרוב: {shelter} ({address}), {walk} הליכה.",
    "ar": "أقرب ملجأ عام: {shelter} ({address})، {walk} مشيًا.",
    "en": "Nearest public shelter: {shelter} ({address}), {walk} on foot.",
}


def walk_minutes(lang: str, minutes: int) -> str:
    """ "About N minutes" with the language's own forms for one and two (and Arabic's 3-10)."""
    n = max(1, minutes)
    if lang == "he":
        return {1: "כדקה", 2: "כשתי דקות"}.get(n, f"כ־{n} דקות")
    if lang == "ar":
        if n <= 2:
            return {1: "نحو دقيقة", 2: "نحو دقيقتين"}[n]
        return f"نحو {n} دقائق" if n <= 10 else f"نحو {n} دقيقة"
    return "about a minute" if n == 1 else f"about {n} min"


def threat_distance(lang: str, metres: float | None) -> str:
    """How far the nearest open threat was reported, to follow "in the town" (or nothing)."""
    if metres is None:
        return ""
    if metres < 150:
        return {"he": ", בקרבתכם", "ar": "، بالقرب منكم"}.get(lang, ", near you")
    if metres < 950:
        m = round(metres / 100.0) * 100
        he, ar, en = f"{m} מטר", f"{m} متر", f"{m} m"
    else:
        km = f"{metres / 1000.0:.1f}".removesuffix(".0")
        he, ar, en = f"{km} ק״מ", f"{km} كم", f"{km} km"
    if lang == "he":
        return f", כ־{he} מכם"
    if lang == "ar":
        return f"، على بُعد نحو {ar} منكم"
    return f", about {en} from you"


CLOSINGS: dict[str, Texts] = {
    "missiles": {
        "he": "הישארו במרחב המוגן 10 דקות, אלא אם תתקבל הנחיה אחרת.",
        "ar": "ابقوا في الحيّز المحمي 10 دقائق ما لم تصدر تعليمات أخرى.",
        "en": "Stay in the protected space for 10 minutes unless told otherwise.",
    },
    "hostile_aircraft_intrusion": {
        "he": "הישארו במרחב המוגן עד שפיקוד העורף יודיע על סיום האירוע.",
        "ar": "ابقوا في الحيّز المحمي حتى تعلن قيادة الجبهة الداخلية انتهاء الحدث.",
        "en": (
            "Stay in the protected space until the Home Front Command announces the event is over."
        ),
    },
}

ISSUED_BY_LABELS: dict[str, Texts] = {
    "none": {
        "he": "מידע",
        "ar": "معلومات",
        "en": "Information",
    },
    "official_alert": {
        "he": "התרעת פיקוד העורף",
        "ar": "إنذار قيادة الجبهة الداخلية",
        "en": "Home Front Command alert",
    },
    "operator_override": {
        "he": "הנחיית מוקד החירום המקומי",
        "ar": "تعليمات مركز الطوارئ المحلي",
        "en": "Instruction from the local emergency operator",
    },
    "threat_reports": {
        "he": "דיווחים מאומתים על מחבלים ביישוב",
        "ar": "بلاغات مؤكَّدة عن مسلّحين في البلدة",
        "en": "Confirmed reports of attackers in the town",
    },
}
