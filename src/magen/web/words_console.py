"""Words of the dispatcher's console (/console) beyond the shared table: he, ar, en.

Read by a coordinator running a defence: short, exact, the count and the age of what is known.
"""

from __future__ import annotations

# key -> (he, ar, en); a key may appear in one words module only.
WORDS: dict[str, tuple[str, str, str]] = {
    # The feed: a lost link, or a picture that could not be fetched, is said as stale.
    "cx_badge_lost": ("לא מעודכן", "غير محدَّث", "STALE"),
    "cx_picture_failed": (
        "התמונה לא התעדכנה — נכונה ל-{t}",
        "تعذّر تحديث الصورة — الصورة حتى {t}",
        "PICTURE NOT UPDATED — as of {t}",
    ),
    "cx_retrying": ("מנסה שוב…", "نحاول مجددًا…", "trying again…"),
    # What a recommendation or an assignment is for, when it is a responder who was hit.
    "target_responder": ("כוח פצוע", "عنصر مصاب", "wounded responder"),
    "cx_none_stale": ("לא ידוע — אין עדכון", "غير معروف — لا تحديث", "not known — no update"),
    "cx_no_picture": ("עדיין אין תמונה", "لا توجد صورة بعد", "no picture yet"),
    # How many attackers, honestly: an estimate with its range, or not known.
    "cx_attackers_exact": ("מחבלים: {n}", "مهاجمون: {n}", "{n} attackers"),
    "cx_attackers_est": (
        "כ-{n} מחבלים ({range})",
        # Not "نحو 12 مهاجمين": an Arabic noun after a number agrees with it (plural for 3-10,
        # singular from 11): the count after the noun needs no agreement, as in the exact one.
        "مهاجمون: نحو {n} ({range})",
        "~{n} attackers ({range})",
    ),
    "cx_attackers_unknown": (
        "מחבלים, מספר לא ידוע",
        "مهاجمون، العدد غير معروف",
        "attackers, number unknown",
    ),
    "cx_scale": (
        "בסך הכול: {attackers} ב-{groups} קבוצות",
        "المجموع: {attackers} في {groups} مجموعات",
        "In all: {attackers} in {groups} groups",
    ),
    "cx_scale_one": (
        "בסך הכול: {attackers} בקבוצה אחת",
        "المجموع: {attackers} في مجموعة واحدة",
        "In all: {attackers} in 1 group",
    ),
    "cx_scale_uncounted": (
        "קבוצות בלי מספר: {n}",
        "مجموعات بلا عدد: {n}",
        "groups with no number: {n}",
    ),
    "cx_scale_unverified": (
        "לא מאומתות (לא נספרו): {n}",
        "غير مؤكَّدة (لم تُحسب): {n}",
        "unverified, not counted: {n}",
    ),
    "cx_scale_stale": (
        "ישנות (לא נראו לאחרונה, לא נספרו): {n}",
        "قديمة (لم تُرَ مؤخرًا، لم تُحسب): {n}",
        "stale (not seen lately), not counted: {n}",
    ),
    "cx_scale_none": (
        "אין כעת קבוצה מאומתת",
        "لا مجموعة مؤكَّدة الآن",
        "No confirmed group now",
    ),
    # A stale group's label leads with its age; its number from then follows, smaller.
    "cx_last_seen": (
        "נראו לאחרונה לפני {m} דק׳",
        "شوهدوا آخر مرة قبل {m} د",
        "last seen {m} min ago",
    ),
    # An incident with several callers: its counts as a range, and why.
    "cx_counts_range": (
        "כמה מתקשרים: מהדיווח הגדול ביותר ועד סכום הדיווחים (ייתכן שהם מתארים אותם אנשים)",
        "عدة متصلين: من أكبر بلاغ حتى مجموع البلاغات (قد يصفون الأشخاص أنفسهم)",
        "Several callers: from the largest report to all reports added up"
        " (they may describe the same people)",
    ),
    # Tracks to confirm: the stale ones sink under this heading, fresh ones first.
    "cx_stale_tracks": (
        "ישנות, לא נראו לאחרונה: {n}",
        "قديمة، لم تُرَ مؤخرًا: {n}",
        "Stale, not seen lately: {n}",
    ),
    "cx_fresh_and_stale": ("{n} + {s} ישנות", "{n} + {s} قديمة", "{n} + {s} stale"),
    # Lifting a danger area whose group is not closed: said, and asked a second time.
    "cx_lift_warn_stale": (
        "הקבוצה שסביבה הוכרז האזור לא נסגרה: נראתה לאחרונה לפני {m} דק׳."
        " מחבלים שהשתתקו עשויים להיות שם עדיין.",
        "المجموعة التي حُدِّدت المنطقة حولها لم تُغلَق: شوهدت آخر مرة قبل {m} د."
        " قد يكون المهاجمون الذين سكتوا ما زالوا هناك.",
        "Its group is not closed: last seen {m} min ago."
        " Attackers who went quiet may still be there.",
    ),
    "cx_lift_warn_open": (
        "הקבוצה שסביבה הוכרז האזור עדיין פעילה: נראתה לפני {m} דק׳.",
        "المجموعة التي حُدِّدت المنطقة حولها ما زالت نشطة: شوهدت قبل {m} د.",
        "Its group is still active: seen {m} min ago.",
    ),
    # ... and an area of armed attackers drawn around no group, with an open one in it or near.
    "cx_lift_warn_near_stale": (
        "קבוצה שלא נסגרה נמצאת באזור או בקרבתו: נראתה לאחרונה לפני {m} דק׳."
        " מחבלים שהשתתקו עשויים להיות שם עדיין.",
        "مجموعة لم تُغلَق داخل المنطقة أو قربها: شوهدت آخر مرة قبل {m} د."
        " قد يكون المهاجمون الذين سكتوا ما زالوا هناك.",
        "A group not closed is in or near this area: last seen {m} min ago."
        " Attackers who went quiet may still be there.",
    ),
    "cx_lift_warn_near_open": (
        "קבוצה פעילה נמצאת באזור או בקרבתו: נראתה לפני {m} דק׳.",
        "مجموعة نشطة داخل المنطقة أو قربها: شوهدت قبل {m} د.",
        "An active group is in or near this area: seen {m} min ago.",
    ),
    "cx_lift_anyway": ("להסיר בכל זאת", "ارفع رغم ذلك", "Lift anyway"),
    "cx_lift_keep": ("להשאיר את האזור", "أبقِ المنطقة", "Keep the area"),
    # A track label standing for others near it whose labels would cover it (hover their dots).
    "cx_more_here_one": ("+ עוד קבוצה אחת כאן", "+ مجموعة أخرى هنا", "+1 more group here"),
    "cx_more_here": ("+ עוד {n} קבוצות כאן", "+ مجموعات أخرى هنا: {n}", "+{n} more groups here"),
    "cx_armed": ("חמושים", "مسلّحون", "armed"),
    # Markers on the map.
    "cx_radio": ("ערוץ קשר {ch}", "قناة اللاسلكي {ch}", "radio channel {ch}"),
    "cx_hospital_load": (
        "בדרך: {incoming} · הגיעו: {arrived} · אושפזו: {admitted}",
        "في الطريق: {incoming} · وصلوا: {arrived} · أُدخلوا: {admitted}",
        "on the way: {incoming} · arrived: {arrived} · admitted: {admitted}",
    ),
    # The hospitals panel: each hospital's own status (EDXL-HAVE), its age, and its load.
    "cx_hospitals": ("בתי חולים", "المستشفيات", "Hospitals"),
    "cx_h_amb_Normal": ("פתוח לאמבולנסים", "مفتوح للإسعاف", "open to ambulances"),
    "cx_h_amb_Advisory": ("מוגבל לאמבולנסים", "محدود للإسعاف", "ambulances: limited"),
    "cx_h_amb_Closed": ("סגור לאמבולנסים", "مغلق أمام الإسعاف", "closed to ambulances"),
    "cx_h_amb_NotApplicable": ("אין מלר״ד", "لا قسم طوارئ", "no emergency department"),
    "cx_h_amb_unknown": (
        "מצב אמבולנסים לא דווח",
        "حالة الإسعاف غير مُبلَّغ عنها",
        "ambulance status not reported",
    ),
    "cx_h_fac_Compromised": ("המבנה פגוע", "المنشأة متضررة", "facility compromised"),
    "cx_h_fac_Evacuating": ("בית החולים בפינוי", "المستشفى قيد الإخلاء", "evacuating"),
    "cx_h_fac_Closed": ("המבנה סגור", "المنشأة مغلقة", "facility closed"),
    "cx_h_sec_Elevated": ("כוננות מוגברת", "تأهب أمني مرتفع", "security elevated"),
    "cx_h_sec_RestrictedAccess": ("כניסה מוגבלת", "دخول مقيَّد", "restricted access"),
    "cx_h_sec_Lockdown": ("בנעילה", "في إغلاق أمني", "lockdown"),
    "cx_h_sec_Quarantine": ("בהסגר", "في حجر صحي", "quarantine"),
    "cx_h_reason": ("סיבה: {r}", "السبب: {r}", "reason: {r}"),
    "cx_h_full": ("מלא", "ممتلئ", "full"),
    "cx_h_incoming": ("בדרך: {list}", "في الطريق: {list}", "on the way: {list}"),
    "cx_h_none_incoming": ("אין בדרך", "لا أحد في الطريق", "none on the way"),
    "cx_h_in_immediate": ("{n} אדום", "{n} أحمر", "{n} red"),
    "cx_h_in_delayed": ("{n} צהוב", "{n} أصفر", "{n} yellow"),
    "cx_h_in_minor": ("{n} ירוק", "{n} أخضر", "{n} green"),
    "cx_h_in_expectant": ("{n} שחור", "{n} أسود", "{n} black"),
    "cx_h_in_untriaged": ("{n} לא מוינו", "{n} بلا فرز", "{n} not triaged"),
    "cx_h_present": (
        "הגיעו: {arrived} · אושפזו: {admitted}",
        "وصلوا: {arrived} · أُدخلوا: {admitted}",
        "arrived: {arrived} · admitted: {admitted}",
    ),
    "cx_h_reported": (
        "דיווח ב-{t} (לפני {age})",
        "تقرير {t} (قبل {age})",
        "reported {t} ({age} ago)",
    ),
    "cx_h_stale": (
        "דיווח ישן: {t}, לפני {age} — לא לסמוך עליו",
        "تقرير قديم: {t}، قبل {age} — لا يُعتمد عليه",
        "STALE: reported {t}, {age} ago — do not rely on it",
    ),
    "cx_h_no_report": (
        "אין דיווח מצב — לא ידוע אם פתוח",
        "لا تقرير حالة — غير معروف إن كان مفتوحًا",
        "no status report — not known to be open",
    ),
    "cx_age_h": ("{h} שע׳ {m} דק׳", "{h} س {m} د", "{h} h {m} min"),
    # A casualty on the way to a hospital that is closed to ambulances or locked down.
    "cx_dest_warn": (
        "היעד {name}: {what} — להפנות למקום אחר",
        "الوجهة {name}: {what} — حوّلوا إلى مكان آخر",
        "destination {name}: {what} — redirect",
    ),
    # The reunification panel: who is matched with whom; deciding is the registry desk's.
    "cx_cand_casualty": ("נפגע/ת", "مصاب/ة", "casualty"),
    "cx_cand_survivor": ("ניצול/ה שנרשם/ה", "ناجٍ/ناجية مُسجَّل/ة", "checked-in survivor"),
    "cx_cand_missing": ("דיווח נוסף", "بلاغ آخر", "another report"),
    "cx_no_name": ("ללא שם", "بلا اسم", "no name"),
    "cx_to_registry": (
        "להחלטה בדלפק הרישום",
        "للقرار في مكتب السجل",
        "Decide at the registry desk",
    ),
    "cx_tourniquet": (
        "חוסם עורקים מ-{t} ({h} שע׳ {m} דק׳): להעריך מחדש",
        "عاصبة منذ {t} ({h} س {m} د): أعد التقييم",
        "tourniquet on since {t} ({h} h {m} min): reassess",
    ),
    "cx_triage_immediate": ("דחוף (אדום)", "فوري (أحمر)", "immediate (red)"),
    "cx_triage_delayed": ("נדחה (צהוב)", "مؤجَّل (أصفر)", "delayed (yellow)"),
    "cx_triage_minor": ("קל (ירוק)", "طفيف (أخضر)", "minor (green)"),
    "cx_triage_expectant": ("אנוש (שחור)", "ميؤوس منه (أسود)", "expectant (black)"),
    "cx_untriaged": ("לא מוין", "لم يُفرز", "not triaged"),
    "cx_warning": ("דורש תשומת לב", "يحتاج إلى انتباه", "needs attention"),
    # Shelters.
    "cx_shelter_open": ("פתוח", "مفتوح", "open"),
    "cx_shelter_full": ("מלא", "ممتلئ", "full"),
    "cx_shelter_closed": ("סגור", "مغلق", "closed"),
    "cx_shelter_compromised": (
        "לא בטוח (מחבלים בקרבת מקום)",
        "غير آمن (مهاجمون بالقرب)",
        "compromised (attackers near it)",
    ),
    "cx_shelter_set": ("סימון המקלט:", "تحديد حالة الملجأ:", "Mark the shelter:"),
    # The map's right-click menu.
    "cx_menu_title": ("במקום הזה", "في هذا المكان", "At this place"),
    "cx_menu_reason": ("סיבה", "السبب", "Reason"),
    "cx_menu_radius": ("רדיוס (מ׳)", "نصف القطر (م)", "Radius (m)"),
    "cx_menu_declare": ("הכרזת אזור סכנה", "إعلان منطقة خطر", "Declare a danger area"),
    "cx_menu_lock_in": ("הנחיית הסתגרות כאן", "أمر إغلاق هنا", "Order a lock-in here"),
    # The open group an area of armed attackers is drawn around (the nearest preselected).
    "cx_menu_around": ("סביב הקבוצה", "حول المجموعة", "Around group"),
    "cx_menu_around_none": ("— ללא —", "— بلا —", "— none —"),
    "cx_from_here": ("{n} מ׳ מכאן", "{n} م من هنا", "{n} m from here"),
    "cx_menu_bad_radius": (
        "רדיוס: מספר בין {low} ל-{high} מטרים.",
        "نصف القطر: رقم بين {low} و{high} مترًا.",
        "Radius: a number from {low} to {high} metres.",
    ),
    "cx_reason_armed_attackers": ("מחבלים חמושים", "مسلّحون", "armed attackers"),
    "cx_reason_hostage_situation": ("אירוע בני ערובה", "احتجاز رهائن", "hostage situation"),
    "cx_reason_suspicious_object": ("חפץ חשוד", "جسم مشبوه", "suspicious object"),
    "cx_reason_impact_site": ("אתר נפילה", "موقع سقوط", "impact site"),
    "cx_reason_fire": ("שריפה", "حريق", "fire"),
    "cx_reason_hazardous_materials": ("חומרים מסוכנים", "مواد خطرة", "hazardous materials"),
    "cx_reason_structural_collapse": ("קריסת מבנה", "انهيار مبنى", "structural collapse"),
    "cx_reason_other": ("אחר", "أخرى", "other"),
    # Alert categories in the issue form.
    "cx_cat_missiles": ("ירי רקטות וטילים", "إطلاق قذائف صاروخية وصواريخ", "Rockets and missiles"),
    "cx_cat_hostile_aircraft_intrusion": (
        "חדירת כלי טיס עוין",
        "تسلّل طائرة معادية",
        "Hostile aircraft intrusion",
    ),
    "cx_cat_terrorist_infiltration": (
        "חדירת מחבלים",
        "تسلّل مسلّحين",
        "Terrorist infiltration",
    ),
    "cx_cat_unconventional_missile": (
        "טיל לא קונבנציונלי",
        "صاروخ غير تقليدي",
        "Unconventional missile",
    ),
    "cx_cat_earthquake": ("רעידת אדמה", "زلزال", "Earthquake"),
    "cx_cat_tsunami": ("צונאמי", "تسونامي", "Tsunami"),
    "cx_cat_hazardous_materials": ("חומרים מסוכנים", "مواد خطرة", "Hazardous materials"),
    "cx_cat_radiological_event": ("אירוע רדיולוגי", "حدث إشعاعي", "Radiological event"),
    "cx_cat_early_warning": ("התרעה מוקדמת", "إنذار مبكر", "Early warning"),
    "cx_distance": ("{n} מ׳ מהיעד", "{n} م عن الهدف", "{n} m from the target"),
    "cx_choose_zones": (
        "בחרו לפחות אזור אחד להתרעה.",
        "اختر منطقة واحدة على الأقل للإنذار.",
        "Choose at least one zone for the alert.",
    ),
    "cx_zones": ("אזורים", "المناطق", "Zones"),
    "cx_category": ("סוג ההתרעה", "نوع الإنذار", "Kind of alert"),
    # Errors: what went wrong, in the console's language (the server's English is for logs).
    "cx_err_invalid": (
        "הבקשה לא תקינה",
        "الطلب غير صالح",
        "the request was not valid",
    ),
    "cx_err_refused": ("המערכת סירבה", "رفض النظام الطلب", "the system refused it"),
    "cx_err_not_found": (
        "הפריט כבר לא קיים",
        "العنصر لم يعد موجودًا",
        "it no longer exists",
    ),
    "cx_err_forbidden": ("אין הרשאה", "لا توجد صلاحية", "not allowed for this account"),
    "cx_err_conflict": (
        "מישהו אחר שינה את זה קודם",
        "غيّره شخص آخر أولًا",
        "someone else changed it first",
    ),
    "cx_err_rate_limited": (
        "יותר מדי בקשות; נסו שוב בעוד רגע",
        "طلبات كثيرة؛ حاول بعد لحظة",
        "too many requests; try again in a moment",
    ),
    "cx_err_server": (
        "השרת לא זמין כרגע",
        "الخادم غير متاح الآن",
        "the server is not available now",
    ),
    "cx_err_network": (
        "אין חיבור לשרת; לא נשלח",
        "لا اتصال بالخادم؛ لم يُرسل",
        "no connection to the server; not sent",
    ),
    "cx_close": ("סגירה", "إغلاق", "Close"),
    # The keyboard help.
    "cx_help_next": ("הפריט הבא / הקודם", "العنصر التالي / السابق", "next / previous item"),
    "cx_help_confirm": ("אישור איום", "تأكيد تهديد", "confirm a threat"),
    "cx_help_dismiss": ("דחיית איום", "رفض تهديد", "dismiss a threat"),
    "cx_help_accept": ("קבלת המלצה", "قبول توصية", "accept a recommendation"),
    "cx_help_show": ("הצגה על המפה", "عرض على الخريطة", "show on the map"),
    "cx_help_time": ("אחורה / קדימה בזמן", "رجوع / تقدّم في الوقت", "back / forward in time"),
    "cx_help_close": ("סגירה", "إغلاق", "close"),
    "cx_map": ("מפה", "الخريطة", "map"),
    # The override picker: who can be sent first; the others after, each saying why not.
    "cx_pick_responder": ("— בחרו כוח —", "— اختاروا عنصرًا —", "— choose a responder —"),
    "cx_unfit_wounded": ("פצוע, לא ישובץ", "مصاب، لا يُكلَّف", "wounded, cannot be sent"),
    "cx_unfit_off_duty": (
        "לא בתפקיד, לא ישובץ",
        "خارج الخدمة، لا يُكلَّف",
        "off duty, cannot be sent",
    ),
    "cx_unfit_busy": ("במשימה אחרת", "في مهمة أخرى", "on another task"),
    "cx_unfit_engaged": ("בקרב כעת", "في اشتباك الآن", "under fire now"),
    "cx_unfit_needs": ("זקוק לאספקה", "يحتاج إلى إمداد", "needs supplies"),
    "cx_unfit_unarmed": (
        "לא חמוש (לאיום נשלחים חמושים)",
        "غير مسلّح (للتهديد يُرسَل مسلّحون)",
        "not armed (a threat needs armed)",
    ),
    # Orders (overrides) told apart: where, who gave them, whether anything still calls for them.
    "cx_radius_m": ("רדיוס {n} מ׳", "نصف قطر {n} م", "radius {n} m"),
    "cx_near": ("ליד {place}", "قرب {place}", "near {place}"),
    "cx_by_operator": ("ע״י מוקדן", "من المُرسِل", "by an operator"),
    "cx_by_proposal": ("הצעה שאושרה", "اقتراح مؤكَّد", "proposal confirmed"),
    # Who gave an order: the account's name and role, and the time ("by Dana (dispatcher), 10:32").
    "cx_issued_by": ("ע״י {who}, {t}", "من {who}، {t}", "by {who}, {t}"),
    "cx_confirmed_by": (
        "הצעה שאושרה ע״י {who}, {t}",
        "اقتراح أكّده {who}، {t}",
        "proposal confirmed by {who}, {t}",
    ),
    "cx_role_dispatcher": ("מוקדן", "مُرسِل", "dispatcher"),
    "cx_role_admin": ("מנהל מערכת", "مسؤول النظام", "admin"),
    "cx_review": ("לבדיקה", "للمراجعة", "review"),
    "cx_review_why": (
        "אין בתוכה איום עדכני: כל הקבוצות בה ישנות. האם היא עדיין נחוצה?",
        "لا تهديد حديث داخلها: كل المجموعات فيها قديمة. هل ما زال لازمًا؟",
        "No fresh threat inside: every group in it is stale. Is it still needed?",
    ),
    # A new call: tagged in its row and counted in the page's title until seen.
    "cx_new": ("חדש", "جديد", "new"),
    "cx_title_sos": ("קריאות חדשות", "نداءات جديدة", "new SOS"),
    # While the picture is stale nothing is sent from it.
    "cx_stale_no_act": (
        "התמונה אינה מעודכנת: הפעולה לא תישלח עד שהקשר יחזור",
        "الصورة غير محدَّثة: لن يُرسَل الإجراء حتى يعود الاتصال",
        "The picture is stale: this will not be sent until the link is back",
    ),
    "cx_langs": ("שפה", "اللغة", "language"),
    # the town map's shelter tooltips (console and responder pages)
    "shelter_places": ("{n} מקומות", "{n} مكانًا", "{n} places"),
}
