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

# Rocket or aircraft fire with attackers open in the town (Reason.FIRE_AND_GROUND_THREAT_IN_TOWN):
# as the Home Front Command's fire-with-infiltration instruction, nobody out of the building.
BODIES[("fire_and_ground_threat_in_town", "building")] = {
    "he": (
        "דווח על מחבלים חמושים ביישוב{near}. אל תצאו למקלט ציבורי או לחדר המדרגות. היכנסו "
        "לממ״ד אם יש; אם אין, לחדר פנימי עם מעט ככל האפשר קירות חיצוניים וחלונות, ונעלו את "
        "הדלת. שבו על הרצפה, מתחת לקו החלון. הישארו בפנים, הדלת נעולה, עד שהמשטרה תודיע על "
        "סיום האירוע."
    ),
    "ar": (
        "وردت بلاغات عن مسلّحين في البلدة{near}. لا تخرجوا إلى ملجأ عام أو إلى بيت الدرج. "
        "ادخلوا الغرفة المحصّنة (الممّاد) إن وُجدت؛ وإلّا فإلى غرفة داخلية فيها أقلّ ما يمكن "
        "من الجدران الخارجية والنوافذ، وأقفلوا الباب. اجلسوا على الأرض تحت مستوى النافذة. "
        "ابقوا في الداخل والباب مقفل حتى تعلن الشرطة انتهاء الحدث."
    ),
    "en": (
        "Armed attackers have been reported in the town{near}. Do not go out to a public "
        "shelter or the stairwell. Go into your protected room (mamad) if you have one; if "
        "not, an inner room with as few outer walls and windows as possible, and lock the "
        "door. Sit on the floor, below window level. Stay inside, the door locked, until the "
        "police announce the event is over."
    ),
}
BODIES[("fire_and_ground_threat_in_town", "outdoors")] = {
    "he": (
        "דווח על מחבלים חמושים ביישוב{near}. אל תלכו למקלט ציבורי: היכנסו מיד למבנה הקרוב, "
        "לחדר פנימי, ונעלו את הדלת. בשטח פתוח, אם אין מבנה קרוב, שכבו על הקרקע והגנו על "
        "הראש בידיים."
    ),
    "ar": (
        "وردت بلاغات عن مسلّحين في البلدة{near}. لا تذهبوا إلى ملجأ عام: ادخلوا فورًا أقرب "
        "مبنى، إلى غرفة داخلية، وأقفلوا الباب. في منطقة مكشوفة لا مبنى قريبًا منها، استلقوا "
        "على الأرض واحموا رؤوسكم بأيديكم."
    ),
    "en": (
        "Armed attackers have been reported in the town{near}. Do not head for a public "
        "shelter: enter the nearest building now, get to an inner room and lock the door. In "
        "the open, with no building near, lie on the ground and protect your head with your "
        "hands."
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

# Sheltering from fire while attackers are open elsewhere in the town: not out after 10 minutes.
CLOSING_THREAT_IN_TOWN: Texts = {
    "he": ("גם אחרי 10 דקות אל תצאו: הישארו בפנים, הדלת נעולה, עד שהמשטרה תודיע על סיום האירוע."),
    "ar": ("لا تخرجوا حتى بعد 10 دقائق: ابقوا في الداخل والباب مقفل حتى تعلن الشرطة انتهاء الحدث."),
    "en": (
        "Do not go out after 10 minutes: stay inside, the door locked, until the police "
        "announce the event is over."
    ),
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

# --- other hazards (earthquake, tsunami, hazardous materials, radiological, early warning) ---

HAZARD_OPENERS: dict[str, Texts] = {
    "earthquake": {
        "he": "התרעה: רעידת אדמה.",
        "ar": "إنذار: هزّة أرضية.",
        "en": "Alert: earthquake.",
    },
    "tsunami": {
        "he": "התרעה: חשש לצונאמי.",
        "ar": "إنذار: خشية من تسونامي.",
        "en": "Alert: tsunami threat.",
    },
    "radiological_event": {
        "he": "התרעה: חשש לאירוע רדיולוגי.",
        "ar": "إنذار: خشية من حدث إشعاعي.",
        "en": "Alert: radiological event.",
    },
    "hazardous_materials": {
        "he": "התרעה: אירוע חומרים מסוכנים.",
        "ar": "إنذار: حدث مواد خطرة.",
        "en": "Alert: hazardous materials incident.",
    },
    "early_warning": {
        "he": "התרעה מקדימה: צפויות התרעות בדקות הקרובות.",
        "ar": "إنذار مبكر: يُتوقَّع صدور إنذارات خلال الدقائق القريبة.",
        "en": "Early warning: alerts are expected in the next few minutes.",
    },
}

# Said before a hazard's own action where attackers are open elsewhere in the town.
GROUND_THREAT_IN_TOWN_OPENER: Texts = {
    "he": "דווח על מחבלים חמושים ביישוב{near}.",
    "ar": "وردت بلاغات عن مسلّحين في البلدة{near}.",
    "en": "Armed attackers have been reported in the town{near}.",
}

_GENERIC_HAZARD: Texts = {
    "he": "פעלו לפי הנחיות פיקוד העורף לאירוע זה.",
    "ar": "اعملوا وفق تعليمات قيادة الجبهة الداخلية لهذا الحدث.",
    "en": "Follow the Home Front Command's instructions for this event.",
}

# The Home Front Command's instruction for each hazard, as `magen.domain.alerts`
# CATEGORY_INSTRUCTIONS says it (a test holds the two the same); the service shows the alert's
# own instruction instead where it has one.
HAZARD_OFFICIAL: dict[str, Texts] = {
    "earthquake": {
        "he": "צאו מיד לשטח פתוח. אם אין באפשרותכם לצאת – היכנסו לממ״ד והשאירו את הדלת פתוחה, "
        "או לחדר המדרגות; אם גם זה אינו אפשרי – היכנסו מתחת לרהיט כבד או שבו צמוד לקיר פנימי.",
        "ar": "اخرجوا فورًا إلى منطقة مفتوحة. إذا لم تتمكنوا من الخروج، ادخلوا إلى الغرفة المحصّنة "
        "واتركوا بابها مفتوحًا، أو إلى بيت الدرج؛ وإن لم يكن ذلك ممكنًا، احتموا تحت قطعة أثاث "
        "ثقيلة أو اجلسوا ملاصقين لجدار داخلي.",
        "en": "Get out to an open area immediately. If you cannot, go into the protected room "
        "and leave its door open, or into the stairwell; if that is not possible either, take "
        "cover under heavy furniture or sit against an inner wall.",
    },
    "tsunami": {
        "he": "התרחקו מיד מחוף הים אל שטח גבוה, או עלו לקומה הרביעית ומעלה בבניין קרוב.",
        "ar": "ابتعدوا فورًا عن شاطئ البحر إلى منطقة مرتفعة، أو اصعدوا إلى الطابق الرابع أو أعلى "
        "في مبنى قريب.",
        "en": "Move away from the shore immediately to high ground, or go up to the fourth floor "
        "or higher of a nearby building.",
    },
    "hazardous_materials": {
        "he": "היכנסו למבנה, סגרו את הדלתות והחלונות, כבו מזגנים ומערכות אוורור והמתינו "
        "להנחיות נוספות.",
        "ar": "ادخلوا إلى مبنى، أغلقوا الأبواب والنوافذ، أطفئوا المكيّفات وأجهزة التهوية "
        "وانتظروا تعليمات إضافية.",
        "en": "Go indoors, close the doors and windows, turn off air conditioning and "
        "ventilation, and wait for further instructions.",
    },
    "radiological_event": {
        "he": "היכנסו למבנה, רצוי לחדר פנימי, סגרו את הדלתות והחלונות ושהו בו עד לקבלת הנחיה אחרת.",
        "ar": "ادخلوا إلى مبنى، ويُفضَّل إلى غرفة داخلية، أغلقوا الأبواب والنوافذ وابقوا فيه حتى "
        "تلقي تعليمات أخرى.",
        "en": "Go indoors, preferably into an inner room, close the doors and windows and stay "
        "there until further instructions.",
    },
    "early_warning": {
        "he": "בדקות הקרובות צפויות להתקבל התרעות באזורך. התקרבו למרחב המוגן הקרוב; עם קבלת "
        "התרעה היכנסו אליו מיד.",
        "ar": "من المتوقع أن تصدر إنذارات في منطقتكم خلال الدقائق القريبة. اقتربوا من أقرب حيّز "
        "محمي، وعند صدور الإنذار ادخلوا إليه فورًا.",
        "en": "Alerts are expected in your area in the next few minutes. Move close to the "
        "nearest protected space; when an alert sounds, go in immediately.",
    },
}

# Where nobody may go out (a lock-in, or attackers near): the hazard's indoor advice, said
# after the lock-in's (or stay-inside's) own words and never against them.
HAZARD_INDOORS_ADVICE: dict[tuple[str, str], Texts] = {
    ("earthquake", "building"): {
        "he": "ברעידת האדמה אל תצאו לשטח פתוח: בזמן הרעידה היכנסו לממ״ד והשאירו את דלתו "
        "פתוחה, או היכנסו מתחת לרהיט כבד או שבו צמוד לקיר פנימי, הרחק מחלונות. דלת הבית "
        "נשארת נעולה.",
        "ar": "في الهزّة الأرضية لا تخرجوا إلى منطقة مفتوحة: أثناء الاهتزاز ادخلوا الغرفة "
        "المحصّنة (الممّاد) واتركوا بابها مفتوحًا، أو احتموا تحت قطعة أثاث ثقيلة أو اجلسوا "
        "ملاصقين لجدار داخلي، بعيدًا عن النوافذ. يبقى باب البيت مقفلًا.",
        "en": "In the earthquake, do not go out to an open area: while the ground shakes, go "
        "into your protected room (mamad) and leave its door open, or take cover under heavy "
        "furniture or against an inner wall, away from windows. The home's door stays locked.",
    },
    ("earthquake", "outdoors"): {
        "he": "אם האדמה עדיין רועדת, התרחקו קודם מקירות, ממרפסות ומקווי חשמל, והיכנסו מיד "
        "כשהרעידה נפסקת.",
        "ar": "إن كانت الأرض لا تزال تهتزّ، فابتعدوا أولًا عن الجدران والشرفات وخطوط الكهرباء، "
        "وادخلوا فور توقّف الاهتزاز.",
        "en": "If the ground is still shaking, first keep clear of walls, balconies and power "
        "lines, and go in as soon as it stops.",
    },
    # One action, never two orders: where nobody may go out, nobody is sent into the street
    # for the tsunami either (attackers are there, or the police or the Home Front Command
    # hold the area); the Home Front Command's "4th floor or higher" is said as up inside the
    # building as high as it goes, the roof by the stairs of a low one. The town pack does not
    # keep how many floors a building has (OSM's building:levels is on 6 of Baka's 1,260).
    ("tsunami", "building"): {
        "he": "בחשש לצונאמי: עלו בתוך הבניין שלכם הכי גבוה שאפשר, לקומה הרביעית ומעלה אם יש, "
        "ובבניין נמוך לגג דרך חדר המדרגות, הרחק מחלונות לכיוון הים. אל תצאו לרחוב.",
        "ar": "مع خشية التسونامي: اصعدوا داخل مبناكم إلى أعلى ما يمكن، إلى الطابق الرابع أو أعلى "
        "إن وُجد، وفي المبنى المنخفض إلى السطح عبر الدَّرَج، بعيدًا عن النوافذ المطلّة على البحر. "
        "لا تخرجوا إلى الشارع.",
        "en": "For the tsunami: go up inside your building as high as it goes, to the fourth "
        "floor or higher if it has one, and in a low building to the roof by the stairs, away "
        "from windows facing the sea. Do not go out into the street.",
    },
    ("tsunami", "outdoors"): {
        "he": "בחשש לצונאמי: היכנסו לבניין הקרוב ביותר, ואם בניין גבוה קרוב באותה מידה היכנסו "
        "אליו, ועלו בתוכו הכי גבוה שאפשר.",
        "ar": "مع خشية التسونامي: ادخلوا أقرب مبنى، وإن كان مبنى مرتفع قريبًا بالقدر نفسه فادخلوه، "
        "واصعدوا داخله إلى أعلى ما يمكن.",
        "en": "For the tsunami: get into the nearest building (a tall one, if one is as near) "
        "and go up inside it as high as it goes.",
    },
    ("hazardous_materials", "building"): {
        "he": "בשל החומרים המסוכנים סגרו היטב את החלונות וכבו מזגנים ומערכות אוורור.",
        "ar": "بسبب المواد الخطرة، أغلقوا النوافذ بإحكام وأطفئوا المكيّفات وأجهزة التهوية.",
        "en": "For the hazardous materials, close the windows tightly and turn off air "
        "conditioning and ventilation.",
    },
    ("hazardous_materials", "outdoors"): {
        "he": "בתוך המבנה סגרו היטב את החלונות וכבו מזגנים ומערכות אוורור.",
        "ar": "في داخل المبنى، أغلقوا النوافذ بإحكام وأطفئوا المكيّفات وأجهزة التهوية.",
        "en": "Once inside, close the windows tightly and turn off air conditioning and "
        "ventilation.",
    },
    ("radiological_event", "building"): {
        "he": "בשל החשש לאירוע רדיולוגי שהו בחדר פנימי, החלונות סגורים היטב והמזגנים ומערכות "
        "האוורור כבויים.",
        "ar": "بسبب الخشية من حدث إشعاعي، ابقوا في غرفة داخلية، والنوافذ مغلقة بإحكام "
        "والمكيّفات وأجهزة التهوية مطفأة.",
        "en": "For the radiological event, stay in an inner room, with the windows closed "
        "tightly and air conditioning and ventilation off.",
    },
    ("radiological_event", "outdoors"): {
        "he": "בתוך המבנה שהו בחדר פנימי, החלונות סגורים היטב והמזגנים ומערכות האוורור כבויים.",
        "ar": "في داخل المبنى، ابقوا في غرفة داخلية، والنوافذ مغلقة بإحكام والمكيّفات وأجهزة "
        "التهوية مطفأة.",
        "en": "Once inside, stay in an inner room, with the windows closed tightly and air "
        "conditioning and ventilation off.",
    },
    ("early_warning", "building"): {
        "he": "מאחר שצפויות התרעות, הישארו קרוב לממ״ד או לחדר פנימי; אם תישמע התרעה על ירי "
        "רקטות, היכנסו אליו ונעלו אותו.",
        "ar": "بما أنّ إنذارات متوقَّعة، ابقوا قرب الغرفة المحصّنة (الممّاد) أو غرفة داخلية؛ "
        "وإذا صدر إنذار بإطلاق صواريخ، فادخلوها وأقفلوها.",
        "en": "As alerts are expected, stay close to your protected room (mamad) or an inner "
        "room; if a rocket alert sounds, go in and lock it.",
    },
    ("early_warning", "outdoors"): {
        "he": "בתוך המבנה הישארו קרוב לחדר פנימי; אם תישמע התרעה על ירי רקטות, היכנסו אליו.",
        "ar": "في داخل المبنى، ابقوا قرب غرفة داخلية؛ وإذا صدر إنذار بإطلاق صواريخ، فادخلوها.",
        "en": "Once inside, stay close to an inner room; if a rocket alert sounds, go in.",
    },
}

# Attackers near (in or by their danger area), no lock-in issued: nobody out for the hazard.
BODIES[("hazard_near_ground_threat", "building")] = {
    "he": "אל תצאו: הישארו בפנים, נעלו את הדלת, התרחקו מדלתות ומחלונות ואל תפתחו לאיש עד "
    "שכוחות הביטחון יודיעו על סיום האירוע.",
    "ar": "لا تخرجوا: ابقوا في الداخل، أقفلوا الباب، ابتعدوا عن الأبواب والنوافذ ولا تفتحوا "
    "لأحد حتى تعلن قوات الأمن انتهاء الحدث.",
    "en": "Do not go out: stay inside, lock the door, keep away from doors and windows and "
    "open to no one until the security forces announce the event is over.",
}
BODIES[("hazard_near_ground_threat", "outdoors")] = {
    "he": "היכנסו מיד למבנה הקרוב ונעלו את הדלת; התרחקו מדלתות ומחלונות ואל תפתחו לאיש עד "
    "שכוחות הביטחון יודיעו על סיום האירוע.",
    "ar": "ادخلوا فورًا أقرب مبنى وأقفلوا الباب؛ ابتعدوا عن الأبواب والنوافذ ولا تفتحوا لأحد "
    "حتى تعلن قوات الأمن انتهاء الحدث.",
    "en": "Get into the nearest building now and lock the door; keep away from doors and "
    "windows and open to no one until the security forces announce the event is over.",
}

# Attackers elsewhere in the town: the hazard's own action, clear of the danger areas, and
# the door locked once inside again.
HAZARD_IN_TOWN: dict[tuple[str, str], Texts] = {
    ("earthquake", "building"): {
        "he": "אם אפשר לעשות זאת מהר, צאו לשטח פתוח סמוך לבניין, הרחק מאזורי הסכנה המסומנים "
        "במפה; אם לא, היכנסו לממ״ד והשאירו את דלתו פתוחה, או לחדר המדרגות. אל תלכו למקלט "
        "ציבורי. כשהרעידה נפסקת, חזרו פנימה אם הבניין לא נפגע ונעלו את הדלת עד שהמשטרה תודיע "
        "על סיום האירוע.",
        "ar": "إن أمكنكم ذلك بسرعة، فاخرجوا إلى منطقة مفتوحة قرب مبناكم، بعيدًا عن مناطق الخطر "
        "المبيَّنة على الخريطة؛ وإلّا فادخلوا الغرفة المحصّنة (الممّاد) واتركوا بابها مفتوحًا، أو "
        "إلى بيت الدرج. لا تذهبوا إلى ملجأ عام. عندما يتوقّف الاهتزاز، عودوا إلى الداخل إن لم "
        "يتضرّر المبنى وأقفلوا الباب حتى تعلن الشرطة انتهاء الحدث.",
        "en": "If you can do so quickly, go out to an open area right by your building, away "
        "from the danger areas shown on the map; if you cannot, go into your protected room "
        "(mamad) and leave its door open, or into the stairwell. Do not go to a public "
        "shelter. When the shaking stops, go back in if the building is undamaged and lock the "
        "door until the police announce the event is over.",
    },
    ("earthquake", "outdoors"): {
        "he": "הישארו בשטח הפתוח, הרחק ממבנים, מקירות ומקווי חשמל, עד שהרעידה תיפסק, והתרחקו "
        "מאזורי הסכנה המסומנים במפה. אחר כך היכנסו למבנה הקרוב שלא נפגע ונעלו את הדלת עד "
        "שהמשטרה תודיע על סיום האירוע.",
        "ar": "ابقوا في المكان المفتوح، بعيدًا عن المباني والجدران وخطوط الكهرباء، حتى يتوقّف "
        "الاهتزاز، وابتعدوا عن مناطق الخطر المبيَّنة على الخريطة. ثم ادخلوا أقرب مبنى لم "
        "يتضرّر وأقفلوا الباب حتى تعلن الشرطة انتهاء الحدث.",
        "en": "Stay in the open, away from buildings, walls and power lines, until the shaking "
        "stops, and keep away from the danger areas shown on the map. Then get into the "
        "nearest undamaged building and lock the door until the police announce the event is "
        "over.",
    },
    ("tsunami", "building"): {
        "he": "התרחקו עכשיו מחוף הים אל שטח גבוה, או עלו לקומה הרביעית ומעלה בבניין שלכם או "
        "בבניין קרוב, בדרך שאינה עוברת באזורי הסכנה המסומנים במפה. שם הישארו בפנים והדלת "
        "נעולה עד שהמשטרה תודיע על סיום האירוע.",
        "ar": "ابتعدوا الآن عن شاطئ البحر إلى منطقة مرتفعة، أو اصعدوا إلى الطابق الرابع أو أعلى "
        "في مبناكم أو في مبنى قريب، عبر طريق لا تمرّ بمناطق الخطر المبيَّنة على الخريطة. "
        "وهناك ابقوا في الداخل والباب مقفل حتى تعلن الشرطة انتهاء الحدث.",
        "en": "Move away from the shore now to high ground, or go up to the fourth floor or "
        "higher of your building or a nearby one, by a way that keeps clear of the danger "
        "areas shown on the map. Once there, stay inside with the door locked until the police "
        "announce the event is over.",
    },
    ("tsunami", "outdoors"): {
        "he": "התרחקו עכשיו מחוף הים אל שטח גבוה, או עלו לקומה הרביעית ומעלה בבניין קרוב, "
        "בדרך שאינה עוברת באזורי הסכנה המסומנים במפה. שם הישארו בפנים והדלת נעולה עד שהמשטרה "
        "תודיע על סיום האירוע.",
        "ar": "ابتعدوا الآن عن شاطئ البحر إلى منطقة مرتفعة، أو اصعدوا إلى الطابق الرابع أو أعلى "
        "في مبنى قريب، عبر طريق لا تمرّ بمناطق الخطر المبيَّنة على الخريطة. وهناك ابقوا في "
        "الداخل والباب مقفل حتى تعلن الشرطة انتهاء الحدث.",
        "en": "Move away from the shore now to high ground, or go up to the fourth floor or "
        "higher of a nearby building, by a way that keeps clear of the danger areas shown on "
        "the map. Once there, stay inside with the door locked until the police announce the "
        "event is over.",
    },
    ("hazardous_materials", "building"): {
        "he": "הישארו בפנים: סגרו את הדלתות והחלונות, כבו מזגנים ומערכות אוורור ונעלו את "
        "הדלת. אל תצאו, גם לא למקלט ציבורי, עד שתתקבל הנחיה אחרת.",
        "ar": "ابقوا في الداخل: أغلقوا الأبواب والنوافذ، أطفئوا المكيّفات وأجهزة التهوية وأقفلوا "
        "الباب. لا تخرجوا، ولا حتى إلى ملجأ عام، حتى تصدر تعليمات أخرى.",
        "en": "Stay inside: close the doors and windows, turn off air conditioning and "
        "ventilation, and lock the door. Do not go out, not even to a public shelter, until "
        "told otherwise.",
    },
    ("hazardous_materials", "outdoors"): {
        "he": "היכנסו מיד למבנה הקרוב, סגרו את הדלתות והחלונות, כבו מזגנים ומערכות אוורור "
        "ונעלו את הדלת. אל תצאו שוב עד שתתקבל הנחיה אחרת.",
        "ar": "ادخلوا فورًا أقرب مبنى، أغلقوا الأبواب والنوافذ، أطفئوا المكيّفات وأجهزة التهوية "
        "وأقفلوا الباب. لا تخرجوا مجدّدًا حتى تصدر تعليمات أخرى.",
        "en": "Get into the nearest building now, close the doors and windows, turn off air "
        "conditioning and ventilation, and lock the door. Do not go out again until told "
        "otherwise.",
    },
    ("radiological_event", "building"): {
        "he": "הישארו בפנים, רצוי בחדר פנימי: סגרו את הדלתות והחלונות, כבו מזגנים ומערכות "
        "אוורור ונעלו את הדלת. אל תצאו, גם לא למקלט ציבורי, עד שתתקבל הנחיה אחרת.",
        "ar": "ابقوا في الداخل، ويُفضَّل في غرفة داخلية: أغلقوا الأبواب والنوافذ، أطفئوا "
        "المكيّفات وأجهزة التهوية وأقفلوا الباب. لا تخرجوا، ولا حتى إلى ملجأ عام، حتى تصدر "
        "تعليمات أخرى.",
        "en": "Stay inside, preferably in an inner room: close the doors and windows, turn off "
        "air conditioning and ventilation, and lock the door. Do not go out, not even to a "
        "public shelter, until told otherwise.",
    },
    ("radiological_event", "outdoors"): {
        "he": "היכנסו מיד למבנה הקרוב, לחדר פנימי, סגרו את הדלתות והחלונות, כבו מזגנים "
        "ומערכות אוורור ונעלו את הדלת. אל תצאו שוב עד שתתקבל הנחיה אחרת.",
        "ar": "ادخلوا فورًا أقرب مبنى، إلى غرفة داخلية، أغلقوا الأبواب والنوافذ، أطفئوا "
        "المكيّفات وأجهزة التهوية وأقفلوا الباب. لا تخرجوا مجدّدًا حتى تصدر تعليمات أخرى.",
        "en": "Get into the nearest building now, into an inner room, close the doors and "
        "windows, turn off air conditioning and ventilation, and lock the door. Do not go out "
        "again until told otherwise.",
    },
    ("early_warning", "building"): {
        "he": "הישארו בפנים והדלת נעולה, קרוב לממ״ד או לחדר פנימי; כשתישמע התרעה, היכנסו "
        "אליו מיד ופעלו לפי ההנחיה כאן. אל תצאו להמתין ליד מקלט ציבורי.",
        "ar": "ابقوا في الداخل والباب مقفل، قرب الغرفة المحصّنة (الممّاد) أو غرفة داخلية؛ وعند "
        "صدور إنذار ادخلوها فورًا واتّبعوا التعليمات هنا. لا تخرجوا للانتظار قرب ملجأ عام.",
        "en": "Stay inside with the door locked, close to your protected room (mamad) or an "
        "inner room; when an alert sounds, go in at once and follow the guidance here. Do not "
        "go out to wait near a public shelter.",
    },
    ("early_warning", "outdoors"): {
        "he": "היכנסו מיד למבנה הקרוב, נעלו את הדלת והישארו קרוב לחדר פנימי; כשתישמע התרעה, "
        "פעלו לפי ההנחיה כאן.",
        "ar": "ادخلوا فورًا أقرب مبنى، أقفلوا الباب وابقوا قرب غرفة داخلية؛ وعند صدور إنذار "
        "اتّبعوا التعليمات هنا.",
        "en": "Get into the nearest building now, lock the door and stay close to an inner "
        "room; when an alert sounds, follow the guidance here.",
    },
}


def hazard_official(hazard: str | None) -> Texts:
    """A hazard's own instruction (a generic one when none is known)."""
    return HAZARD_OFFICIAL.get(hazard or "", _GENERIC_HAZARD)


def hazard_in_town(hazard: str | None, setting: str) -> Texts:
    """A hazard's own action with attackers elsewhere in the town."""
    return HAZARD_IN_TOWN.get((hazard or "", setting), _GENERIC_HAZARD)
