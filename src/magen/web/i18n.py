"""The pages' words in Hebrew, Arabic and English, and choosing the reader's language.

Words are plain and calm: the people reading them may be hiding, hurt or running a defence.
A key missing in one language falls back to English so a page never shows a bare key.
"""

from __future__ import annotations

from typing import Literal, get_args

from magen.web import (
    words_console,
    words_cot,
    words_evidence,
    words_family,
    words_field,
    words_hospital,
    words_registry,
)

Lang = Literal["he", "ar", "en"]
LANGS: tuple[Lang, ...] = get_args(Lang)
DEFAULT_LANG: Lang = "he"  # the town's own language when the browser names none we have
RTL: frozenset[Lang] = frozenset({"he", "ar"})
LANG_NAMES: dict[Lang, str] = {"he": "עברית", "ar": "العربية", "en": "English"}

# key -> (he, ar, en)
_T: dict[str, tuple[str, str, str]] = {
    # --- shared ---------------------------------------------------------------------------
    "app": ("מגן", "ماغن", "Magen"),
    "fault_page": (
        "תקלה בשרת, והיא נרשמה. נסו שוב בעוד רגע.",
        "حدث خلل في الخادم وقد سُجِّل. حاولوا مرة أخرى بعد قليل.",
        "A fault on the server; it was logged. Try again in a moment.",
    ),
    "emergency_numbers": (
        "משטרה 100 · מד״א 101 · כבאות 102",
        "الشرطة 100 · نجمة داود الحمراء 101 · الإطفاء 102",
        "Police 100 · Ambulance 101 · Fire 102",
    ),
    "offline": (
        "אין חיבור. הדיווחים נשמרים בטלפון ויישלחו כשהחיבור יחזור.",
        "لا يوجد اتصال. البلاغات محفوظة في الهاتف وستُرسل عند عودة الاتصال.",
        "No connection. Reports are kept on this phone and sent when the connection returns.",
    ),
    "queued": (
        "ממתינים לשליחה: {n}",
        "بانتظار الإرسال: {n}",
        "Waiting to send: {n}",
    ),
    "sent_queued": (
        "הדיווח שנשמר נשלח.",
        "تم إرسال البلاغ المحفوظ.",
        "The saved report was sent.",
    ),
    "saved_offline": (
        "נשמר בטלפון. יישלח אוטומטית כשיהיה חיבור.",
        "محفوظ في الهاتف. سيُرسل تلقائيًا عند توفر الاتصال.",
        "Saved on this phone. It will be sent by itself when there is a connection.",
    ),
    "error": ("לא הצלחנו: {reason}", "لم ننجح: {reason}", "That did not work: {reason}"),
    "cx_priority_score": (
        "ציון עדיפות {n} (הרשימה לפיו)",
        "درجة الأولوية {n} (القائمة مرتبة حسبها)",
        "priority score {n} (the list is in its order)",
    ),
    # A command the rules refused, by the rule the answer names (common.js refusedFor).
    "refused_not_checked_in": (
        "הכוח אינו במשמרת (לא התייצב)",
        "العنصر ليس في المناوبة (لم يسجّل حضوره)",
        "Not on duty (not checked in)",
    ),
    "refused_incident_closed": (
        "האירוע כבר נסגר",
        "الحادث أُغلق بالفعل",
        "The incident is already closed",
    ),
    "refused_track_closed": (
        "האיום כבר נסגר",
        "التهديد أُغلق بالفعل",
        "The threat is already closed",
    ),
    # A danger area drawn around a threat the picture does not have (domain/alerts.py).
    "refused_threat_not_found": (
        "האיום שצוין אינו בתמונה; ייתכן שהרשימה אינה מעודכנת",
        "التهديد المذكور غير موجود في الصورة؛ ربما القائمة غير محدَّثة",
        "That threat is not in the picture; the list may be out of date",
    ),
    "refused_responder_not_armed": (
        "לאיום נשלחים רק כוחות חמושים",
        "لا يُرسَل إلى تهديد إلا عناصر مسلّحون",
        "Only armed responders are sent to a threat",
    ),
    "refused_responder_wounded": ("הכוח פצוע", "العنصر مصاب", "The responder is wounded"),
    "refused_responder_not_wounded": (
        "הכוח לא דווח כפצוע",
        "العنصر لم يُبلغ أنه مصاب",
        "That responder has not reported being wounded",
    ),
    "refused_responder_off_duty": (
        "הכוח אינו בתפקיד: הזעיקו אותו והמתינו לתשובתו",
        "العنصر خارج الخدمة: استدعوه وانتظروا ردّه",
        "Off duty: call them up and wait for their answer",
    ),
    "refused_responder_busy": (
        "הכוח כבר במשימה אחרת: סיימו או בטלו אותה קודם",
        "العنصر في مهمة أخرى: أنهوها أو ألغوها أولًا",
        "Already on another task: complete or cancel it first",
    ),
    "refused_assignment_moved_on": (
        "המשימה השתנתה בינתיים; המסך מתעדכן",
        "تغيّرت المهمة في هذه الأثناء؛ الشاشة تتحدّث",
        "The task changed meanwhile; the screen is being updated",
    ),
    "refused_callup_closed": (
        "הקריאה לתגבור כבר נסגרה",
        "الاستدعاء أُغلق بالفعل",
        "The call-up is already closed",
    ),
    "refused_sos_resolved": (
        "הקריאה כבר נסגרה",
        "النداء أُغلق بالفعل",
        "The call is already closed",
    ),
    "refused_tag_in_use": (
        "מספר התג כבר רשום על נפגע אחר: בדקו את התג",
        "رقم البطاقة مسجَّل لمصاب آخر: تحقّقوا من البطاقة",
        "That tag number is already on another casualty: check the tag",
    ),
    "refused_not_our_patient": (
        "הנפגע אינו מטופל בבית החולים הזה",
        "المصاب ليس مريضًا في هذا المستشفى",
        "Not a patient of this hospital",
    ),
    # A casualty's record (domain/casualties.py): the card or the desk acted on what changed.
    "refused_casualty_not_found": (
        "הנפגע אינו רשום; ייתכן שהרשימה אינה מעודכנת",
        "هذا المصاب غير مسجَّل؛ ربما القائمة غير محدَّثة",
        "This casualty is not on record; the list may be out of date",
    ),
    "refused_casualty_dead": (
        "מותו של הנפגע כבר נרשם",
        "سُجِّلت وفاة هذا المصاب",
        "This casualty has been recorded dead",
    ),
    "refused_casualty_discharged": (
        "הנפגע כבר שוחרר",
        "سُجِّل خروج هذا المصاب بالفعل",
        "This casualty has already been discharged",
    ),
    # A place far beyond the town (app/region.py refuse_beyond): a sighting, a hospital.
    "refused_outside_region": (
        "המקום שנשלח רחוק מאוד מהעיר שהשירות הזה משרת: בדקו את המיקום",
        "المكان المُرسَل بعيد جدًا عن المدينة التي تخدمها هذه الخدمة: تحقّقوا من الموقع",
        "The place sent is far from the town this service covers: check the location",
    ),
    "refused_time_too_early": (
        "השעה שהוזנה מוקדמת ממה שכבר רשום לנפגע: בדקו את השעה",
        "الوقت المُدخَل أسبق ممّا سُجِّل لهذا المصاب: تحقّقوا من الوقت",
        "The time given is earlier than what is already recorded: check the time",
    ),
    # A claimed time (domain/people.py observed_time): a death, a last sighting, a treatment.
    "refused_time_in_future": (
        "המועד שהוזן הוא בעתיד: בדקו את השעה ואת השעון במכשיר",
        "الوقت المُدخَل في المستقبل: تحقّقوا من الوقت ومن ساعة الجهاز",
        "The time given is in the future: check the time and the device clock",
    ),
    "refused_time_too_old": (
        "המועד שהוזן הוא לפני יותר מ-30 יום: בדקו את התאריך",
        "الوقت المُدخَل قبل أكثر من 30 يومًا: تحقّقوا من التاريخ",
        "The time given is more than 30 days ago: check the date",
    ),
    "refused_intervention_ended": (
        "הטיפול הזה כבר הסתיים",
        "هذا الإجراء انتهى بالفعل",
        "That treatment has already ended",
    ),
    "refused_already_evacuated": (
        "הנפגע כבר בדרך לבית החולים: רשמו קודם את ההגעה",
        "المصاب في الطريق إلى المستشفى بالفعل: سجّلوا وصوله أولًا",
        "Already on the way to hospital: record the arrival first",
    ),
    "refused_already_in_that_hospital": (
        "הנפגע כבר נמצא בבית החולים הזה: בחרו בית חולים אחר",
        "المصاب موجود في هذا المستشفى بالفعل: اختاروا مستشفى آخر",
        "Already in that hospital: choose another",
    ),
    "refused_already_in_hospital": (
        "הנפגע כבר בבית חולים; להעברה רשמו פינוי",
        "المصاب في المستشفى بالفعل؛ لنقله سجّلوا إخلاءً",
        "Already in hospital; to transfer, record an evacuation",
    ),
    "refused_already_admitted": (
        "האשפוז כבר נרשם",
        "سُجِّل الإدخال بالفعل",
        "Already admitted",
    ),
    "refused_not_arrived": (
        "הנפגע עוד לא הגיע לבית החולים: רשמו קודם את ההגעה",
        "لم يصل المصاب إلى المستشفى بعد: سجّلوا وصوله أولًا",
        "Not at the hospital yet: record the arrival first",
    ),
    "refused_not_in_hospital": (
        "הנפגע אינו נמצא כעת בבית חולים",
        "المصاب ليس في مستشفى الآن",
        "The casualty is not in a hospital now",
    ),
    "refused_already_identified": (
        "הנפגע כבר זוהה רשמית",
        "تمّ التعرّف على هذا المصاب رسميًا بالفعل",
        "Already formally identified",
    ),
    "refused_visual_id_of_dead": (
        "זיהוי חזותי של נפטר נשאר ראשוני: בחרו שיטה אחרת או רשמו זיהוי ראשוני",
        "التعرّف بالنظر على المتوفّى يبقى أوّليًا: اختاروا طريقة أخرى أو سجّلوا تعرّفًا أوّليًا",
        "Visual recognition of the dead stays provisional: choose another method or record it"
        " as provisional",
    ),
    "refused_secondary_id_of_dead": (
        "זיהוי נפטר לפי מסמכים, חפצים אישיים או שיטה אחרת נשאר ראשוני: זיהוי רשמי דורש טביעות"
        " אצבע, רישומי שיניים, דנ״א או בן משפחה",
        "التعرّف على المتوفّى من الوثائق أو الأغراض الشخصية أو بطريقة أخرى يبقى أوّليًا: التعرّف"
        " الرسمي يتطلّب بصمات الأصابع أو سجلات الأسنان أو الحمض النووي أو أحد الأقارب",
        "Documents, personal effects or another method identify the dead provisionally only:"
        " a formal identification needs fingerprints, dental records, DNA or next of kin",
    ),
    "refused_formal_id_of_dead_by_registrar": (
        "רק רשם/ת רושם/ת זיהוי רשמי של נפטר: רשמו זיהוי ראשוני",
        "المسجِّل وحده يسجّل التعرّف الرسمي على المتوفّى: سجّلوا تعرّفًا أوّليًا",
        "Only a registrar records a formal identification of the dead: record it as provisional",
    ),
    # Missing persons and matches (domain/persons.py).
    "refused_date_of_birth_too_late": (
        "תאריך הלידה מאוחר מהיום או מהפעם האחרונה שנראה: בדקו את השנה",
        "تاريخ الميلاد بعد اليوم أو بعد آخر مرة شوهد فيها: تحقّقوا من السنة",
        "The date of birth is after today or the last sighting: check the year",
    ),
    "refused_date_of_birth_too_early": (
        "תאריך הלידה מוקדם מדי: לפיו האדם מבוגר יותר מכל אדם חי. בדקו את השנה",
        "تاريخ الميلاد قديم جدًا: بحسبه يكون الشخص أكبر سنًّا من أيّ إنسان حيّ. تحقّقوا من السنة",
        "The date of birth is too long ago: no one alive is that old. Check the year",
    ),
    "refused_age_does_not_fit_date_of_birth": (
        "הגיל אינו מתאים לתאריך הלידה: בדקו את שניהם",
        "العمر لا يتوافق مع تاريخ الميلاد: تحقّقوا من كليهما",
        "The age does not fit the date of birth: check both",
    ),
    "refused_family_account_gone": (
        "חשבון המשפחה אינו פעיל עוד: מסרו פרטי איש קשר במקום זאת",
        "حساب العائلة لم يعد فعّالًا: أدخلوا جهة اتصال بدلًا منه",
        "The family account is no longer active: give a contact instead",
    ),
    "refused_report_closed": (
        "הדיווח הזה כבר נסגר",
        "هذا البلاغ أُغلق بالفعل",
        "This report is already closed",
    ),
    "refused_not_formally_identified": (
        "הנפגע נפטר ועדיין לא זוהה רשמית: יש לזהות אותו רשמית קודם",
        "المصاب متوفّى ولم يُتعرَّف عليه رسميًا بعد: أكملوا التعرّف الرسمي أولًا",
        "Died and not formally identified yet: identify formally first",
    ),
    "refused_death_told_in_person": (
        "הודעה על מוות נמסרת למשפחה פנים אל פנים בלבד: רשמו אותה אחרי שרשם/ת נפגש/ה איתם",
        "يُبلَّغ خبر الوفاة للعائلة وجهًا لوجه فقط: سجّلوه بعد أن يلتقي بهم المسجِّل",
        "A death is told to the family in person only: record it once a registrar has met them",
    ),
    "refused_match_already_decided": (
        "ההתאמה הזו כבר הוכרעה, אולי בעמדה אחרת",
        "حُسم هذا التطابق بالفعل، ربما في مكتب آخر",
        "This match was already decided, perhaps at another desk",
    ),
    "refused_already_duplicate": (
        "הדיווח האחר כבר סומן ככפול של הדיווח הזה",
        "البلاغ الآخر مسجَّل بالفعل كبلاغ مكرّر لهذا البلاغ",
        "The other report is already marked a duplicate of this one",
    ),
    # A hospital's status (domain/hospitals.py).
    "refused_newer_status_recorded": (
        "כבר נרשם לבית החולים מצב חדש יותר; רעננו את הדף ובדקו",
        "سُجِّلت بالفعل حالة أحدث لهذا المستشفى؛ حدّثوا الصفحة وراجِعوها",
        "A newer status is already recorded for this hospital; reload and check it",
    ),
    # A refused field in a form, by the rule it broke (common.js ruleSaid, fieldRefused).
    "err_field_rule": ("{field}: {rule}", "{field}: {rule}", "{field}: {rule}"),
    "err_field": ("בדקו את השדה {field}", "تحقّقوا من الحقل {field}", "Check the field {field}"),
    "rule_at_most_chars": ("לכל היותר {n} תווים", "الحد الأقصى {n} حرفًا", "at most {n} characters"),
    "rule_at_least_chars": ("לפחות {n} תווים", "الحد الأدنى {n} حرفًا", "at least {n} characters"),
    "rule_at_most_items": ("לכל היותר {n} פריטים", "الحد الأقصى {n} عنصرًا", "at most {n} items"),
    "rule_at_least_items": ("לפחות {n} פריטים", "الحد الأدنى {n} عنصرًا", "at least {n} items"),
    "rule_required": ("חובה למלא", "مطلوب", "required"),
    "rule_at_most": ("לכל היותר {n}", "الحد الأقصى {n}", "at most {n}"),
    "rule_at_least": ("לפחות {n}", "الحد الأدنى {n}", "at least {n}"),
    "rule_below": ("פחות מ-{n}", "أقل من {n}", "less than {n}"),
    "rule_above": ("יותר מ-{n}", "أكثر من {n}", "more than {n}"),
    "rule_choice": ("לא אחת מהאפשרויות", "ليس من الخيارات المتاحة", "not one of the choices"),
    "rule_number": ("לא מספר", "ليس رقمًا", "not a number"),
    "rule_whole_number": ("לא מספר שלם", "ليس عددًا صحيحًا", "not a whole number"),
    "rule_time": ("לא תאריך או שעה תקינים", "ليس تاريخًا أو وقتًا صالحًا", "not a valid date or time"),
    "rule_unknown_field": ("שדה שאינו נקלט כאן", "حقل غير مقبول هنا", "not a field this takes"),
    "back": ("חזרה", "رجوع", "Back"),
    "sign_out": ("יציאה", "خروج", "Sign out"),
    "signed_in_as": ("מחובר/ת: {name}", "مسجّل الدخول: {name}", "Signed in: {name}"),
    # --- location -------------------------------------------------------------------------
    "where_title": ("איפה את/ה?", "أين أنت؟", "Where are you?"),
    "use_gps": ("השתמש/י במיקום שלי", "استخدم موقعي", "Use my location"),
    "gps_wait": ("מאתרים מיקום…", "جارٍ تحديد الموقع…", "Finding your location…"),
    "gps_failed": (
        "המיקום לא זמין. כתבו כתובת או בחרו על המפה.",
        "الموقع غير متاح. اكتب عنوانًا أو اختر على الخريطة.",
        "Location is not available. Type an address or choose on the map.",
    ),
    "choose_on_map": ("בחירה על המפה", "اختر على الخريطة", "Choose on the map"),
    "tap_map": (
        "הקישו על המפה במקום שבו אתם נמצאים.",
        "انقر على الخريطة حيث أنت.",
        "Tap the map where you are.",
    ),
    "address": ("כתובת", "العنوان", "Address"),
    "address_hint": ("רחוב ומספר בית", "الشارع ورقم البيت", "Street and house number"),
    "find": ("חיפוש", "بحث", "Find"),
    "no_address": (
        "לא מצאנו את הכתובת. בדקו את שם הרחוב והמספר.",
        "لم نجد العنوان. تحقق من اسم الشارع والرقم.",
        "We could not find that address. Check the street name and number.",
    ),
    "did_you_mean": ("התכוונתם ל:", "هل تقصد:", "Did you mean:"),
    "location_set": ("המיקום: {place}", "الموقع: {place}", "Location: {place}"),
    "location_gps": (
        "המיקום שלי (±{m} מ׳)",
        "موقعي (±{m} م)",
        "My location (±{m} m)",
    ),
    "location_map": ("נקודה שנבחרה על המפה", "نقطة مختارة على الخريطة", "Point chosen on the map"),
    "location_needed": (
        "צריך מיקום: כתבו כתובת, השתמשו במיקום או בחרו על המפה.",
        "نحتاج إلى موقع: اكتب عنوانًا أو استخدم موقعك أو اختر على الخريطة.",
        "We need a location: type an address, use your location or choose on the map.",
    ),
    "form_stale": (
        "הטופס ישן. נסו שוב בטופס הזה.",
        "النموذج قديم. حاول مرة أخرى في هذا النموذج.",
        "This form was out of date. Please try again on this one.",
    ),
    "bad_count": (
        "כתבו מספר שלם בין {low} ל-{high}.",
        "اكتب عددًا صحيحًا بين {low} و{high}.",
        "Write a whole number from {low} to {high}.",
    ),
    # --- guidance -------------------------------------------------------------------------
    "now_title": ("מה לעשות עכשיו", "ماذا تفعل الآن", "What to do now"),
    "now_unknown": (
        "כדי לדעת מה לעשות במקום שבו אתם נמצאים, תנו מיקום למטה.",
        "لمعرفة ما يجب فعله حيث أنت، أعطِ موقعًا أدناه.",
        "To know what to do where you are, give a location below.",
    ),
    "now_unavailable": (
        "אין כרגע הנחיה למקום הזה. פעלו לפי הנחיות פיקוד העורף.",
        "لا توجد الآن إرشادات لهذا المكان. اتبع تعليمات الجبهة الداخلية.",
        "There is no guidance for this place right now. Follow the Home Front Command.",
    ),
    "shelter_at": ("מקלט: {name}", "ملجأ: {name}", "Shelter: {name}"),
    "walk_minutes": ("{m} דקות הליכה", "{m} دقائق مشيًا", "{m} min walk"),
    "issued_by": ("מקור: {who}", "المصدر: {who}", "From: {who}"),
    "as_of": ("נכון ל-{t}", "محدَّث الساعة {t}", "As of {t}"),
    "guidance_stale": (
        "לא עודכן מאז {t}: אין חיבור. ייתכן שההנחיה כבר אינה נכונה.",
        "لم يُحدَّث منذ {t}: لا يوجد اتصال. قد لا تكون التعليمات صحيحة الآن.",
        "Not updated since {t}: no connection. This may no longer be right.",
    ),
    "guidance_reload": (
        "רעננו את הדף כדי לקבל את ההנחיה העדכנית.",
        "أعد تحميل الصفحة للحصول على أحدث التعليمات.",
        "Reload the page for the latest instruction.",
    ),
    # --- actions --------------------------------------------------------------------------
    "sos": ("SOS – צריך עזרה", "SOS – أحتاج مساعدة", "SOS – I need help"),
    "sos_silent": ("SOS שקט", "SOS صامت", "Silent SOS"),
    "report_sighting": ("דיווח על מחבלים", "الإبلاغ عن مسلحين", "Report attackers"),
    "i_am_safe": ("אני בטוח/ה", "أنا بأمان", "I am safe"),
    # --- SOS form -------------------------------------------------------------------------
    "sos_title": ("קריאה לעזרה", "طلب مساعدة", "Call for help"),
    "people": (
        "כמה אנשים איתך (כולל את/ה)",
        "كم شخصًا معك (بما فيهم أنت)",
        "How many people, you included",
    ),
    "injured": ("כמה פצועים", "كم مصابًا", "How many injured"),
    "children": ("כמה ילדים", "كم طفلًا", "How many children"),
    "silent_box": (
        "מצב שקט: אל תתקשרו אליי, אל תשלחו צליל",
        "وضع صامت: لا تتصلوا بي ولا تصدروا صوتًا",
        "Silent: do not call me, make no sound",
    ),
    "details": ("פרטים נוספים (לא חובה)", "تفاصيل أخرى (اختياري)", "Anything else (optional)"),
    "send_sos": ("שליחת SOS", "إرسال SOS", "Send SOS"),
    "silent_title": ("SOS שקט", "SOS صامت", "Silent SOS"),
    "silent_intro": (
        "המסך נשאר כהה. שום דבר לא ישמיע צליל. השתיקו את הטלפון.",
        "تبقى الشاشة داكنة. لن يصدر أي صوت. اجعل هاتفك صامتًا.",
        "The screen stays dark. Nothing will make a sound. Put your phone on silent.",
    ),
    "send_silent": ("שליחה בשקט", "أرسل بصمت", "Send silently"),
    "sos_done": (
        "ה-SOS התקבל ({t}). הכוחות יודעים איפה אתם.",
        "تم استلام SOS ({t}). فرق الإنقاذ تعرف مكانكم.",
        "Your SOS was received ({t}). Help knows where you are.",
    ),
    "sos_done_silent": (
        "נשלח. הישארו במחבוא ובשקט. השאירו את הדף פתוח.",
        "أُرسل. ابقوا مختبئين وصامتين. أبقِ الصفحة مفتوحة.",
        "Sent. Stay hidden and silent. Keep this page open.",
    ),
    "sos_open": (
        "יש לכם קריאה פתוחה מ-{t}.",
        "لديكم طلب مفتوح منذ {t}.",
        "You have an open call for help from {t}.",
    ),
    # --- sighting form --------------------------------------------------------------------
    "sighting_title": ("ראיתם מחבלים?", "هل رأيت مسلحين؟", "Did you see attackers?"),
    "how_many": ("כמה", "كم عددهم", "How many"),
    "moving": ("איך הם נעים", "كيف يتحركون", "How they move"),
    "on_foot": ("ברגל", "سيرًا على الأقدام", "On foot"),
    "vehicle": ("ברכב", "بمركبة", "In a vehicle"),
    "unknown": ("לא ידוע", "غير معروف", "Not sure"),
    "direction": ("לאן הם הולכים", "إلى أين يتجهون", "Which way they are going"),
    "dir_n": ("צפונה", "شمالًا", "North"),
    "dir_ne": ("צפון-מזרח", "شمال شرق", "North-east"),
    "dir_e": ("מזרחה", "شرقًا", "East"),
    "dir_se": ("דרום-מזרח", "جنوب شرق", "South-east"),
    "dir_s": ("דרומה", "جنوبًا", "South"),
    "dir_sw": ("דרום-מערב", "جنوب غرب", "South-west"),
    "dir_w": ("מערבה", "غربًا", "West"),
    "dir_nw": ("צפון-מערב", "شمال غرب", "North-west"),
    "send_report": ("שליחת דיווח", "إرسال البلاغ", "Send report"),
    "report_sent": ("נשלח ({t}).", "أُرسل ({t}).", "Sent ({t})."),
    "sighting_done": (
        "הדיווח התקבל ({t}). תודה. הישארו במקום מוגן.",
        "تم استلام البلاغ ({t}). شكرًا. ابقَ في مكان محمي.",
        "Your report was received ({t}). Thank you. Stay in a protected place.",
    ),
    # --- safe -----------------------------------------------------------------------------
    "safe_title": ("אני בטוח/ה", "أنا بأمان", "I am safe"),
    "safe_intro": (
        "סגרו את הקריאה לעזרה כשאתם כבר לא בסכנה.",
        "أغلق طلب المساعدة عندما لا تكون في خطر.",
        "Close your call for help once you are out of danger.",
    ),
    "safe_none": (
        "אין לכם קריאה פתוחה. אם מחפשים אתכם, אפשר להתייצב בנקודת קליטה.",
        "ليس لديك طلب مفتوح. إذا كان أحد يبحث عنك، توجّه إلى نقطة استقبال.",
        "You have no open call for help. If someone is looking for you, go to a reception point.",
    ),
    "safe_done": (
        "תודה. סימנו שאתם בטוחים.",
        "شكرًا. سجّلنا أنك بأمان.",
        "Thank you. You are marked safe.",
    ),
    # --- login ----------------------------------------------------------------------------
    "login_title": ("כניסת צוות", "دخول الطاقم", "Staff sign-in"),
    "username": ("שם משתמש", "اسم المستخدم", "Username"),
    "password": ("סיסמה", "كلمة المرور", "Password"),
    "sign_in": ("כניסה", "دخول", "Sign in"),
    "bad_login": (
        "שם המשתמש או הסיסמה שגויים.",
        "اسم المستخدم أو كلمة المرور غير صحيحة.",
        "The username or password is wrong.",
    ),
    "login_limited": (
        "יותר מדי ניסיונות כניסה שגויים. נסו שוב בעוד {s} שניות.",
        "محاولات دخول خاطئة كثيرة جدًا. حاولوا مرة أخرى بعد {s} ثانية.",
        "Too many wrong sign-in attempts. Try again in {s} seconds.",
    ),
    "resident_link": (
        "תושבים: לדף התושב, בלי כניסה",
        "السكان: إلى صفحة السكان دون تسجيل دخول",
        "Residents: go to the resident page, no sign-in needed",
    ),
    "console_refused": (
        "מסך המבצעים מיועד למוקדנים, למנהלים ולאנליסטים. את/ה מחובר/ת כ-{role}.",
        "شاشة العمليات مخصصة للمرسلين والمديرين والمحللين. أنت مسجّل كـ {role}.",
        "The operations console is for dispatchers, administrators and analysts."
        " You are signed in as {role}.",
    ),
    "responder_refused": (
        "מסך הכוחות מיועד לכוחות בשטח ולחובשים. את/ה מחובר/ת כ-{role}.",
        "شاشة المستجيبين مخصصة للطواقم الميدانية والمسعفين. أنت مسجّل كـ {role}.",
        "The responder view is for responders and medics. You are signed in as {role}.",
    ),
    "sign_in_other": ("כניסה בחשבון אחר", "الدخول بحساب آخر", "Sign in with another account"),
    # --- responder ------------------------------------------------------------------------
    "responder_title": ("כוח בשטח", "المستجيب الميداني", "Responder"),
    "assignment": ("המשימה שלי", "مهمتي", "My assignment"),
    "no_assignment": (
        "אין משימה כרגע. דווחו סטטוס ומיקום.",
        "لا توجد مهمة الآن. أبلغ عن حالتك وموقعك.",
        "No assignment now. Report your status and position.",
    ),
    "check_in": ("התייצבות למשמרת", "بدء المناوبة", "Check in for duty"),
    "kind": ("סוג", "النوع", "Kind"),
    "callsign": ("אות קריאה", "رمز النداء", "Call sign"),
    "callsign_hint": (
        "כפי שהמוקד קורא לך בקשר. ריק: שמך.",
        "كما يناديك المركز باللاسلكي. إن تُرك فارغًا: اسمك.",
        "What the dispatcher calls you on the radio. Left empty: your name.",
    ),
    "kind_police_on_duty": ("שוטר/ת בתפקיד", "شرطي في الخدمة", "Police on duty"),
    "kind_police_off_duty": ("שוטר/ת לא בתפקיד", "شرطي خارج الخدمة", "Police off duty"),
    "kind_volunteer": ("כיתת כוננות", "فرقة تأهب", "Response squad"),
    "kind_medic": ("חובש/ת", "مسعف", "Medic"),
    "kind_other": ("אחר", "آخر", "Other"),
    "status": ("סטטוס", "الحالة", "Status"),
    "st_available": ("זמין", "متاح", "Available"),
    "st_en_route": ("בדרך", "في الطريق", "En route"),
    "st_on_scene": ("בזירה", "في الموقع", "On scene"),
    "st_engaged": ("בקרב", "في اشتباك", "Engaged"),
    "st_wounded": ("פצוע", "مصاب", "Wounded"),
    "st_needs_ammunition": ("צריך תחמושת", "بحاجة إلى ذخيرة", "Need ammunition"),
    "st_needs_medical_kit": ("צריך ציוד רפואי", "بحاجة إلى معدات طبية", "Need medical kit"),
    "st_off_duty": ("לא בתפקיד", "خارج الخدمة", "Off duty"),
    "quick_sighting": (
        "דיווח מחבלים במיקום שלי",
        "الإبلاغ عن مسلحين في موقعي",
        "Report attackers at my position",
    ),
    "triage_title": (
        "מיון נפגע (START/JumpSTART)",
        "فرز مصاب (START/JumpSTART)",
        "Triage a casualty (START/JumpSTART)",
    ),
    "triage_child": ("ילד/ה (מתחת לגיל 8)?", "طفل (دون 8 سنوات)؟", "A child (under 8)?"),
    "triage_start": ("התחלת מיון", "بدء الفرز", "Start triage"),
    "triage_result": ("תוצאה", "النتيجة", "Result"),
    "triage_again": ("נפגע הבא", "المصاب التالي", "Next casualty"),
    "tag_number": ("מספר תג", "رقم البطاقة", "Tag number"),
    "record_casualty": ("רישום הנפגע", "تسجيل المصاب", "Record the casualty"),
    "casualty_recorded": (
        "הנפגע {tag} נרשם.",
        "تم تسجيل المصاب {tag}.",
        "Casualty {tag} recorded.",
    ),
    "yes": ("כן", "نعم", "Yes"),
    "no": ("לא", "لا", "No"),
    "position_sent": ("המיקום נשלח", "تم إرسال الموقع", "Position sent"),
    "task_assigned": ("שובצת", "تم تكليفك", "assigned to you"),
    "task_acknowledged": ("בדרך", "في الطريق", "on the way"),
    "task_arrived": ("בזירה", "في الموقع", "on scene"),
    "done_task": ("המשימה הושלמה", "اكتملت المهمة", "Task done"),
    "callup": ("קריאה להתייצבות באזורך", "استدعاء في منطقتك", "Call-up near you"),
    "coming": ("מגיע/ה", "قادم", "Coming"),
    "cannot": ("לא יכול/ה", "لا أستطيع", "Cannot come"),
    # --- console --------------------------------------------------------------------------
    "console_title": ("תמונת מצב", "صورة الوضع", "Operations"),
    "live": ("חי", "مباشر", "LIVE"),
    "replay": ("שחזור", "إعادة", "REPLAY"),
    "back_to_live": ("חזרה לזמן אמת", "العودة إلى المباشر", "Back to live"),
    "connection_lost": (
        "החיבור אבד — התמונה נכונה ל-{t}",
        "انقطع الاتصال — الصورة حتى {t}",
        "CONNECTION LOST — picture as of {t}",
    ),
    "reconnecting": ("מתחבר מחדש…", "إعادة الاتصال…", "reconnecting…"),
    "incidents": ("אירועים לפי עדיפות", "الحوادث حسب الأولوية", "Incidents by priority"),
    "sos_calls": ("קריאות SOS פתוחות", "طلبات SOS المفتوحة", "Open SOS calls"),
    "tracks": ("איומים לאישור", "تهديدات للتأكيد", "Tracks to confirm"),
    "confirm": ("אישור", "تأكيد", "Confirm"),
    "dismiss": ("דחייה", "رفض", "Dismiss"),
    "recommendations": ("המלצות שיבוץ", "توصيات الإرسال", "Dispatch recommendations"),
    "accept": ("קבלה", "قبول", "Accept"),
    "override": ("שינוי", "تعديل", "Override"),
    "alerts": ("התרעות", "الإنذارات", "Alerts"),
    "overrides": ("הנחיות מבצעיות", "توجيهات تشغيلية", "Guidance overrides"),
    "clear": ("ביטול", "إلغاء", "Clear"),
    "danger_areas": ("אזורי סכנה", "مناطق الخطر", "Danger areas"),
    "casualties": ("לוח נפגעים", "لوحة المصابين", "Casualty board"),
    "reunification": ("איחוד משפחות", "لمّ شمل العائلات", "Reunification"),
    "responders": ("כוחות", "المستجيبون", "Responders"),
    "sightings": ("דיווחים", "البلاغات", "Sightings"),
    "nothing_open": ("אין", "لا شيء", "None"),
    "search": ("חיפוש", "بحث", "Search"),
    "help": ("קיצורי מקלדת", "اختصارات لوحة المفاتيح", "Keyboard shortcuts"),
    "time": ("זמן", "الوقت", "Time"),
    "stale": ("ישן {m} דק׳", "قديم {m} د", "stale {m} min"),
    "read_only": ("צפייה בלבד", "للقراءة فقط", "read only"),
    "lift": ("הסרה", "رفع", "Lift"),
    "tier_anonymous": ("אנונימי", "مجهول", "anonymous"),
    "tier_registered": ("רשום", "مسجّل", "registered"),
    "tier_verified": ("מאומת", "موثّق", "verified"),
    "min_ago": ("לפני {m} דק׳", "قبل {m} د", "{m} min ago"),
    "travel_min": ("{m} דק׳ הגעה", "{m} د للوصول", "{m} min away"),
    "n_sightings": ("דיווחים: {n}", "بلاغات: {n}", "reports: {n}"),
    "conf_uncorroborated": ("לא מאומת", "غير مؤكد", "uncorroborated"),
    "conf_corroborated": ("מאושש", "مؤكَّد بشهود", "corroborated"),
    "conf_verified": ("מאומת", "موثّق", "verified"),
    "urgency_critical": ("קריטי", "حرج", "critical"),
    "urgency_high": ("גבוה", "مرتفع", "high"),
    "urgency_normal": ("רגיל", "عادي", "normal"),
    "proposal": (
        "מוצע: {action} ל-{n} בניינים",
        "مقترح: {action} لـ {n} مبنى",
        "Proposed: {action} for {n} buildings",
    ),
    "act_lock_in": ("הסתגרות", "إغلاق", "lock-in"),
    "act_stay_in_protected_space": (
        "להישאר במרחב המוגן",
        "البقاء في الحيز المحمي",
        "stay in the protected space",
    ),
    "act_avoid_area": ("התרחקות מהאזור", "تجنّب المنطقة", "avoid the area"),
    "end": ("סיום", "إنهاء", "End"),
    "issue_alert": ("הוצאת התרעה", "إصدار إنذار", "Issue an alert"),
    "drill": ("תרגיל", "تمرين", "drill"),
    # What a responder is sent to, and how far along (the console's responder rows).
    "target_track": ("איום", "تهديد", "threat"),
    "target_incident": ("אירוע", "حادث", "incident"),
    "asg_assigned": ("שובץ/ה", "مُكلَّف", "assigned"),
    "asg_acknowledged": ("בדרך", "في الطريق", "on the way"),
    "asg_arrived": ("בזירה", "في الموقع", "on scene"),
    "asg_completed": ("הושלם", "اكتمل", "done"),
    "asg_cancelled": ("בוטל", "أُلغي", "cancelled"),
    # What a responder brings.
    "cap_armed": ("חמוש/ה", "مسلّح", "armed"),
    "cap_medic": ("חובש/ת", "مسعف", "medic"),
    "cap_vehicle": ("רכב", "مركبة", "vehicle"),
    "cap_radio": ("קשר", "لاسلكي", "radio"),
    # An alert or override over every zone of the town, said once rather than zone by zone.
    "zones_all": (
        "כל {town} ({n} אזורים)",
        "كل {town} (عدد المناطق: {n})",
        "all of {town} ({n} zones)",
    ),
    "sos_line": (
        "אנשים {people} · פצועים {injured} · ילדים {children}",
        "أشخاص {people} · مصابون {injured} · أطفال {children}",
        "people {people} · injured {injured} · children {children}",
    ),
    "silent_word": ("שקט", "صامت", "silent"),
    # Dispatch recommendations and what they answer, said from their facts (the server's
    # English sentences stay for other clients). {n}, {m}, {t}: numbers the console isolates.
    "dx_sep": ("; ", "؛ ", "; "),
    "dx_list": (", ", "، ", ", "),
    "dx_task_sos": ("קריאת מצוקה", "نداء استغاثة", "SOS"),
    "dx_task": ("{task} — {facts}", "{task} — {facts}", "{task} — {facts}"),
    "dx_who_caps": ("{who} ({caps})", "{who} ({caps})", "{who} ({caps})"),
    "dx_nearest": ("{who}, הקרוב/ה ביותר", "{who}، الأقرب", "nearest {who}"),
    "dx_by_car": ("{t} ברכב", "{t} بالسيارة", "{t} by car"),
    "dx_on_foot": ("{t} ברגל", "{t} سيرًا على الأقدام", "{t} on foot"),
    "dx_dur_s": ("{s} שנ׳", "{s} ث", "{s} s"),
    "dx_dur_min": ("{m} דק׳", "{m} د", "{m} min"),
    "dx_dur_min_s": ("{m} דק׳ {s} שנ׳", "{m} د {s} ث", "{m} min {s} s"),
    "dx_nearer_one": (
        "מישהו/י קרוב/ה יותר נדרש/ת במקום אחר",
        "من هو أقرب مطلوب في مكان آخر",
        "a nearer one is needed elsewhere",
    ),
    "dx_nearer_n": (
        "{n} קרובים יותר נדרשים במקום אחר",
        "{n} أقرب منه مطلوبون في مكان آخر",
        "{n} nearer are needed elsewhere",
    ),
    "dx_leaves": ("יוצא/ת מ{areas}", "يغادر {areas}", "leaves {areas}"),
    "dx_avoids": ("עוקף/ת את {areas}", "يتجنّب {areas}", "avoids {areas}"),
    # A threat dispatch routes around before any danger area is declared round it.
    "dx_undeclared_threat": (
        "{group} (אין אזור סכנה במקום שבו הם עכשיו)",
        "{group} (لا منطقة خطر حيث هم الآن)",
        "{group} (no danger area over where they are now)",
    ),
    "dx_enters": (
        "נכנס/ת ל{areas} כדי להגיע לאיום",
        "يدخل {areas} للوصول إلى التهديد",
        "enters {areas} to reach the threat",
    ),
    "dx_enters_escorted": (
        "נכנס/ת ל{areas} אל הפצועים",
        "يدخل {areas} إلى المصابين",
        "enters {areas} to reach the wounded",
    ),
    # The facts behind a task's label and a need's why (dispatch.tasks.FACT_CODES).
    "fact_armed_attackers": ("מחבלים חמושים: {n}", "مهاجمون مسلّحون: {n}", "{n} armed attackers"),
    "fact_armed_attackers_unknown": (
        "מחבלים חמושים, מספר לא ידוע",
        "مهاجمون مسلّحون، العدد غير معروف",
        "armed attackers, number unknown",
    ),
    "fact_attackers": ("מחבלים: {n}", "مهاجمون: {n}", "{n} attackers"),
    "fact_attackers_unknown": (
        "מחבלים, מספר לא ידוע",
        "مهاجمون، العدد غير معروف",
        "attackers, number unknown",
    ),
    "fact_confirmed": ("מאומת", "مؤكَّد", "confirmed"),
    "fact_threat_m": ("איום במרחק {n} מ׳", "تهديد على بعد {n} م", "threat {n} m away"),
    "fact_in_danger_area": ("באזור סכנה", "في منطقة خطر", "in a danger area"),
    # A medic sent with the armed responder assigned to a call or wounded responder in a
    # danger area (dispatch.tasks.escorted: rescue task force, warm zone).
    "fact_armed_escort": (
        "בליווי הכוח החמוש שהוקצה",
        "بمرافقة المستجيب المسلّح المكلَّف",
        "with the armed escort assigned",
    ),
    # A medic sent in to armed responders on scene beside the wounded, none assigned to them
    # (dispatch.tasks.escorted, `within_m`): not an escort, and not said as one.
    "fact_armed_cover_on_scene": (
        "עם כוח חמוש שנמצא בזירה לידם",
        "مع مستجيبين مسلّحين في الموقع بجانبهم",
        "with armed responders on scene beside them",
    ),
    "fact_injured": ("פצועים: {n}", "مصابون: {n}", "{n} injured"),
    "fact_calling_for_help": (
        "אנשים קוראים לעזרה",
        "أشخاص يطلبون المساعدة",
        "people calling for help",
    ),
    "fact_people": ("אנשים: {n}", "أشخاص: {n}", "people: {n}"),
    "fact_children": ("ילדים: {n}", "أطفال: {n}", "children: {n}"),
    "fact_silent": ("שקט", "صامت", "silent"),
    "fact_responder_wounded": ("כוח פצוע", "عنصر مصاب", "responder wounded"),
    # A recommendation's route goes around threats no danger area is declared around yet
    # (dispatch.assign.AVOIDS_UNDECLARED; n: how many).
    "fact_avoids_undeclared_threat": (
        "עוקף/ת איומים שאין אזור סכנה במקום שבו הם עכשיו: {n}",
        "يتجنّب تهديدات لا منطقة خطر حيث هي الآن: {n}",
        "avoids threats with no danger area over where they are now: {n}",
    ),
    # Who a need asks for, and why nobody is recommended (dispatch.assign.UNMET_CODES).
    "need_armed_medic": ("חובש/ת חמוש/ה", "مسعف مسلّح", "armed medic"),
    "need_armed": ("כוח חמוש", "مستجيب مسلّح", "armed responder"),
    "need_medic": ("חובש/ת", "مسعف", "medic"),
    "need_any": ("כוח", "مستجيب", "responder"),
    "unmet_none": ("אין {who} זמין/ה", "لا يوجد {who} متاح", "no available {who}"),
    "unmet_unreachable": (
        "אף {who} זמין/ה לא יכול/ה להגיע בבטחה תוך {t}",
        "لا يوجد {who} متاح يستطيع الوصول بأمان خلال {t}",
        "no available {who} can reach it safely within {t}",
    ),
    "unmet_all_recommended": (
        "כל {who} זמין/ה שיכול/ה להגיע כבר מומלץ/ת",
        "كل {who} متاح يستطيع الوصول موصى به بالفعل",
        "every available {who} who can reach it is recommended already",
    ),
    "unmet_needed_elsewhere": (
        "מי שיכול/ה להגיע נדרש/ת יותר במקום אחר ({who})",
        "من يستطيع الوصول مطلوب أكثر في مكان آخر ({who})",
        "the available ones who can reach it are needed more elsewhere ({who})",
    ),
    # Why an incident ranks where it does (picture.incidents.REASON_CODES).
    "reason_injured": ("פצועים: {n}", "مصابون: {n}", "{n} injured"),
    "reason_children": ("ילדים: {n}", "أطفال: {n}", "children: {n}"),
    "reason_silent_sos": (
        "קריאה שקטה: מסתתרים, לא יכולים לדבר",
        "نداء صامت: مختبئون ولا يستطيعون الكلام",
        "silent SOS: hiding, cannot talk",
    ),
    "reason_threat_m": ("איום במרחק {n} מ׳", "تهديد على بعد {n} م", "threat {n} m away"),
    "reason_unverified_threat_m": (
        "איום לא מאומת או ישן במרחק {n} מ׳",
        "تهديد غير مؤكد أو قديم على بعد {n} م",
        "unverified or stale threat {n} m away",
    ),
    "reason_waiting_min": ("ממתינים {n} דק׳", "ينتظرون منذ {n} د", "waiting {n} min"),
    "reason_callers": ("מתקשרים: {n}", "متصلون: {n}", "{n} callers"),
    # What a danger area is declared around (its threat_id), beside the operator's note.
    "danger_around_track": ("סביב איום", "حول تهديد", "around a threat"),
    "danger_around_confirmed_track": (
        "סביב איום מאומת",
        "حول تهديد مؤكَّد",
        "around a confirmed threat",
    ),
    "danger_around_incident": ("סביב קריאה לעזרה", "حول نداء استغاثة", "around a call for help"),
    # --- web forms: a field refused in the page's words, never cut or dropped; a refusal of
    # the service said in them; the town's ground threat before a place is known -------------
    "fd_rule_control_chars": (
        "יש בו תו בקרה (תו שאינו נראה): מחקו אותו",
        "فيه حرف تحكّم (حرف غير مرئي): احذفوه",
        "holds a control character (an invisible one): remove it",
    ),
    "fd_rule_invalid": ("הערך אינו תקין", "القيمة غير صالحة", "not a valid value"),
    "fd_field_form": ("הטופס", "النموذج", "The form"),
    "fd_field_accuracy": ("דיוק המיקום (מטרים)", "دقة الموقع (بالأمتار)", "Location accuracy (m)"),
    "fd_field_place": ("שם המקום", "اسم المكان", "Place name"),
    "fd_field_text": ("פרטים נוספים", "تفاصيل أخرى", "Anything else"),
    "fd_field_alternates": ("שמות נוספים", "أسماء أخرى", "Other names"),
    "fd_field_where_now": ("איפה עכשיו", "أين الآن", "Where now"),
    "fd_location_too_rough": (
        "המיקום שהטלפון נתן לא מדויק (סטייה של יותר מ-{km} ק״מ): כתבו כתובת או בחרו על המפה.",
        "الموقع الذي أعطاه الهاتف غير دقيق (خطأ أكثر من {km} كم): اكتب عنوانًا أو اختر على الخريطة.",
        "The phone's location is too rough (off by more than {km} km): type an address or "
        "choose on the map.",
    ),
    "fd_rate_limited": (
        "לא נשלח: יותר מדי דיווחים מהמכשיר הזה בזמן קצר. חכו דקה ושלחו שוב. בחירום: {numbers}",
        "لم يُرسل: بلاغات كثيرة من هذا الجهاز في وقت قصير. انتظر دقيقة وأرسل مجددًا. "
        "في حالة الطوارئ: {numbers}",
        "Not sent: too many reports from this device in a short time. Wait a minute and send "
        "again. In an emergency: {numbers}",
    ),
    "fd_refused": (
        "לא נשלח: המערכת לא קיבלה את הטופס. בדקו אותו ושלחו שוב. בחירום: {numbers}",
        "لم يُرسل: لم يقبل النظام النموذج. راجعوه وأرسلوه مجددًا. في حالة الطوارئ: {numbers}",
        "Not sent: the service did not take the form. Check it and send again. In an "
        "emergency: {numbers}",
    ),
    "fd_ground_threat_town": (
        "דווח על מחבלים חמושים ביישוב: הישארו בפנים, הדלת נעולה.",
        "وردت بلاغات عن مسلّحين في البلدة: ابقوا في الداخل والباب مقفل.",
        "Armed attackers reported in the town: stay inside, door locked.",
    ),
    "map_menu": (
        "קליק ימני על המפה: הכרזת אזור סכנה או הנחיית הסתגרות",
        "نقرة يمنى على الخريطة: إعلان منطقة خطر أو أمر إغلاق",
        "Right-click the map to declare a danger area or a lock-in",
    ),
}


def _merged(*modules: dict[str, tuple[str, str, str]]) -> dict[str, tuple[str, str, str]]:
    """The shared words with each page's own; a key defined twice is a mistake, not an override."""
    merged = dict(_T)
    for words in modules:
        twice = merged.keys() & words.keys()
        if twice:
            raise ValueError(f"words defined twice: {sorted(twice)}")
        merged.update(words)
    return merged


_T = _merged(
    words_hospital.WORDS,
    words_family.WORDS,
    words_registry.WORDS,
    words_evidence.WORDS,
    words_console.WORDS,
    words_field.WORDS,
    words_cot.WORDS,
)
_INDEX = {lang: i for i, lang in enumerate(LANGS)}


def text(key: str, lang: Lang, **values: object) -> str:
    """The words for a key in a language (English when that language lacks them)."""
    row = _T[key]
    words = row[_INDEX[lang]] or row[_INDEX["en"]]
    return words.format(**values) if values else words


def texts(lang: Lang, keys: list[str] | None = None) -> dict[str, str]:
    """Every string (or the named ones) in a language, for a page's script."""
    return {k: text(k, lang) for k in (keys if keys is not None else _T)}


def is_lang(value: str | None) -> bool:
    """Whether a value names one of the page languages."""
    return value in _INDEX


def from_accept_language(header: str | None) -> Lang | None:
    """The first language of ours in an Accept-Language header, by the browser's preference."""
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        ranked.append((-q, i, tag.strip().lower().split("-")[0]))
    for neg_q, _, base in sorted(ranked):
        if neg_q < 0 and base in _INDEX:
            return LANGS[_INDEX[base]]
        if base == "iw" and neg_q < 0:  # Hebrew's old code, still sent by some Android builds
            return "he"
    return None


def choose(query: str | None, cookie: str | None, accept_language: str | None) -> Lang:
    """The page language: asked for in the URL, else remembered, else the browser's, else ours."""
    for candidate in (query, cookie):
        if candidate is not None and candidate in _INDEX:
            return LANGS[_INDEX[candidate]]
    return from_accept_language(accept_language) or DEFAULT_LANG


def direction(lang: Lang) -> str:
    """The writing direction of a language, for the html `dir` attribute."""
    return "rtl" if lang in RTL else "ltr"
