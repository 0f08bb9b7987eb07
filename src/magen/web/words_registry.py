"""Words of the registrar's desk (/registry): Hebrew, Arabic, English."""

from __future__ import annotations

from magen.domain.people import Sex
from magen.domain.persons import Outcome

# key -> (he, ar, en); a key may appear in one words module only.
WORDS: dict[str, tuple[str, str, str]] = {
    "registry_title": ("עמדת הרישום", "مكتب التسجيل", "Registrar's desk"),
    "registry_refused": (
        "עמדת הרישום מיועדת לרשמים ולמנהלים. את/ה מחובר/ת כ-{role}.",
        "مكتب التسجيل مخصّص للمسجّلين والمديرين. أنت مسجّل الدخول بدور {role}.",
        "The registrar's desk is for registrars and administrators. You are signed in as {role}.",
    ),
    "registry_console": ("מסך המבצעים", "شاشة العمليات", "Console"),
    "registry_stale": (
        "לא עדכני — החיבור אבד ב-{t}. ייתכן שהמוצג כאן השתנה. מתחבר מחדש…",
        "غير محدَّث — انقطع الاتصال عند {t}. قد يكون ما تراه قد تغيّر. إعادة الاتصال…",
        "NOT CURRENT — connection lost at {t}. What you see may have changed. Reconnecting…",
    ),
    "registry_load_failed": (
        "לא עדכני — טעינת הלוח נכשלה ({reason}). מנסה שוב…",
        "غير محدَّث — فشل تحميل اللوحة ({reason}). نحاول مجددًا…",
        "NOT CURRENT — the board did not load ({reason}). Trying again…",
    ),
    # Refusals in the desk's words (the server's reasons are English; kept on the title).
    "registry_err_invalid": (
        "לא נרשם: השרת לא קיבל את מה שנשלח. בדקו את השדות ושלחו שוב.",
        "لم يُسجَّل: لم يقبل الخادم ما أُرسل. راجِع الحقول وأرسل مجددًا.",
        "Not recorded: the server did not accept what was sent. Check the fields and send again.",
    ),
    "registry_err_field": (
        "לא נרשם: בדקו את השדה “{field}”.",
        "لم يُسجَّل: راجِع الحقل «{field}».",
        "Not recorded: check “{field}”.",
    ),
    "registry_err_field_rule": (
        "לא נרשם: “{field}”: {rule}.",
        "لم يُسجَّل: «{field}»: {rule}.",
        "Not recorded: “{field}”: {rule}.",
    ),
    "registry_err_forbidden": (
        "לא נרשם: החשבון שלך לא מורשה לפעולה הזו.",
        "لم يُسجَّل: حسابك غير مخوَّل بهذا الإجراء.",
        "Not recorded: your account may not do this.",
    ),
    "registry_err_gone": (
        "לא נמצא: ייתכן שאוחד או הוסר בינתיים. העמדה מציגה עכשיו את מה שרשום.",
        "غير موجود: ربما دُمج أو أُزيل في هذه الأثناء. المكتب يعرض الآن ما هو مسجَّل.",
        "Not found: it may have been merged or removed meanwhile. The desk now shows what is"
        " recorded.",
    ),
    "registry_err_changed": (
        "לא נרשם: זה הוכרע או השתנה בינתיים, אולי בעמדה אחרת. העמדה מציגה עכשיו את מה שרשום;"
        " בדקו שוב לפני שמחליטים.",
        "لم يُسجَّل: حُسم هذا أو تغيّر في هذه الأثناء، ربما في مكتب آخر. المكتب يعرض الآن ما هو"
        " مسجَّل؛ راجِعه قبل أن تقرّر.",
        "Not recorded: this was decided or changed meanwhile, perhaps at another desk. The desk"
        " now shows what is recorded; look again before deciding.",
    ),
    "registry_err_busy": (
        "יותר מדי בקשות כרגע. חכו כמה שניות ולחצו שוב.",
        "طلبات كثيرة الآن. انتظر بضع ثوانٍ واضغط مجددًا.",
        "Too many requests just now. Wait a few seconds and press again.",
    ),
    "registry_err_down": (
        "המערכת לא יכולה לרשום כרגע (יומן האירועים לא זמין). לא נרשם דבר; נסו שוב בעוד דקה.",
        "لا يستطيع النظام التسجيل الآن (سجلّ الأحداث غير متاح). لم يُسجَّل شيء؛ حاول بعد دقيقة.",
        "The system cannot record anything right now (its event log is unreachable). Nothing"
        " was recorded; try again in a minute.",
    ),
    "registry_err_other": (
        "לא נרשם (שגיאה {code}). נסו שוב; אם זה חוזר, פנו לתמיכה.",
        "لم يُسجَّل (خطأ {code}). حاول مجددًا؛ وإن تكرّر فاتصل بالدعم.",
        "Not recorded (error {code}). Try again; if it happens again, call support.",
    ),
    "registry_err_network": (
        "אין תשובה מהשרת. לחצו שוב: זה יירשם פעם אחת בלבד.",
        "لا ردّ من الخادم. اضغط مجددًا: سيُسجَّل مرة واحدة فقط.",
        "No answer from the server. Press again: it will be recorded once only.",
    ),
    "registry_no_connection": ("אין חיבור לשרת", "لا اتصال بالخادم", "no connection to the server"),
    "registry_as_of": ("נכון ל-{t}", "حتى {t}", "as of {t}"),
    "registry_loading": ("טוען…", "جارٍ التحميل…", "Loading…"),
    "registry_only_registrar": (
        "רק רשם/ת מאשר/ת, דוחה ורושם/ת שהמשפחה עודכנה. כאן את/ה צופה בלבד.",
        "المسجّل وحده يؤكّد ويرفض ويسجّل إبلاغ العائلة. أنت هنا للاطّلاع فقط.",
        "Only a registrar confirms, rejects and records telling a family; here you only look.",
    ),
    # --- matches ----------------------------------------------------------------------------
    "registry_matches": ("התאמות להכרעה", "تطابقات بانتظار القرار", "Matches to decide"),
    "registry_run": ("הרצת התאמה עכשיו", "تشغيل المطابقة الآن", "Run matching now"),
    "registry_running": ("מריץ התאמה…", "جارٍ تشغيل المطابقة…", "Matching…"),
    "registry_run_done": (
        "ההתאמה הסתיימה ב-{t}. הצעות חדשות: {n} (השוואות: {c}).",
        "انتهت المطابقة عند {t}. اقتراحات جديدة: {n} (مقارنات: {c}).",
        "Matching done at {t}. New proposals: {n} (comparisons: {c}).",
    ),
    "registry_no_matches": (
        "אין התאמות שממתינות להכרעה.",
        "لا تطابقات بانتظار القرار.",
        "No matches waiting for a decision.",
    ),
    "registry_score": ("{p}% סבירות", "احتمال {p}%", "{p}% likely"),
    "registry_report": ("דיווח על נעדר/ת", "بلاغ عن مفقود", "Missing-person report"),
    "registry_cand_survivor": ("נרשם/ה כבטוח/ה", "مسجَّل كناجٍ", "Checked in safe"),
    "registry_cand_casualty": ("נפגע/ת", "مصاب/ة", "Casualty"),
    "registry_cand_missing": (
        "דיווח נוסף (אותו אדם?)",
        "بلاغ آخر (الشخص نفسه؟)",
        "Another report (the same person?)",
    ),
    "registry_cand_unknown": (
        "הרשומה אינה זמינה כרגע",
        "السجل غير متاح الآن",
        "This record is not available now",
    ),
    "registry_why": ("למה הוצעה ההתאמה", "لماذا اقتُرح التطابق", "Why the matcher proposes it"),
    "registry_will_be": ("אם יאושר: {o}", "إذا تم التأكيد: {o}", "If confirmed: {o}"),
    "registry_confirm": ("אישור ההתאמה…", "تأكيد التطابق…", "Confirm match…"),
    "registry_reject": ("לא אותו אדם…", "ليس الشخص نفسه…", "Not the same person…"),
    "registry_release": (
        "מה ייאמר למשפחה (יופיע בדף שלה)",
        "ما يُقال للعائلة (يظهر في صفحتها)",
        "What the family may be told (shown on their page)",
    ),
    "registry_release_safe": ("נמצא/ה בשלום.", "وُجد/ت بأمان.", "Found safe."),
    "registry_release_injured": (
        "נמצא/ה בחיים ומקבל/ת טיפול. רשם/ת יתקשר/תתקשר אליכם.",
        "وُجد/ت على قيد الحياة ويتلقّى/تتلقّى العلاج. سيتصل بكم مسجّل.",
        "Found alive and receiving care. A registrar will call you.",
    ),
    "registry_release_deceased": (
        "רשם/ת ייפגש/תיפגש אתכם באופן אישי.",
        "سيلتقي بكم مسجّل شخصيًا.",
        "A registrar will meet you in person.",
    ),
    # The same said of a woman (_f) and of a man (_m), for a report that gives the sex: the
    # family's page says them so rather than in the forms for both above.
    "registry_release_safe_f": ("נמצאה בשלום.", "وُجدت بأمان.", "Found safe."),
    "registry_release_safe_m": ("נמצא בשלום.", "وُجد بأمان.", "Found safe."),
    "registry_release_injured_f": (
        "נמצאה בחיים ומקבלת טיפול. צוות הרישום יתקשר אליכם.",
        "وُجدت على قيد الحياة وتتلقّى العلاج. سيتصل بكم فريق التسجيل.",
        "Found alive and receiving care. A registrar will call you.",
    ),
    "registry_release_injured_m": (
        "נמצא בחיים ומקבל טיפול. צוות הרישום יתקשר אליכם.",
        "وُجد على قيد الحياة ويتلقّى العلاج. سيتصل بكم فريق التسجيل.",
        "Found alive and receiving care. A registrar will call you.",
    ),
    "registry_release_deceased_f": (
        "צוות הרישום ייפגש אתכם באופן אישי.",
        "سيلتقي بكم فريق التسجيل شخصيًا.",
        "A registrar will meet you in person.",
    ),
    "registry_release_deceased_m": (
        "צוות הרישום ייפגש אתכם באופן אישי.",
        "سيلتقي بكم فريق التسجيل شخصيًا.",
        "A registrar will meet you in person.",
    ),
    "registry_release_left_care": (
        "נמצא/ה בחיים, אך עזב/ה את בית החולים ומקום הימצאו/ה כעת אינו מאושר. צוות הרישום"
        " יתקשר אליכם.",
        "وُجد/ت على قيد الحياة، لكنه/ا غادر/ت المستشفى ومكان وجوده/ا الآن غير مؤكد. سيتصل"
        " بكم فريق التسجيل.",
        "Found alive, but they have left the hospital and where they are now is not"
        " confirmed. A registrar will call you.",
    ),
    "registry_release_left_care_f": (
        "נמצאה בחיים, אך עזבה את בית החולים ומקום הימצאה כעת אינו מאושר. צוות הרישום יתקשר אליכם.",
        "وُجدت على قيد الحياة، لكنها غادرت المستشفى ومكان وجودها الآن غير مؤكد. سيتصل"
        " بكم فريق التسجيل.",
        "Found alive, but she has left the hospital and where she is now is not confirmed."
        " A registrar will call you.",
    ),
    "registry_release_left_care_m": (
        "נמצא בחיים, אך עזב את בית החולים ומקום הימצאו כעת אינו מאושר. צוות הרישום יתקשר אליכם.",
        "وُجد على قيد الحياة، لكنه غادر المستشفى ومكان وجوده الآن غير مؤكد. سيتصل بكم فريق التسجيل.",
        "Found alive, but he has left the hospital and where he is now is not confirmed."
        " A registrar will call you.",
    ),
    # What a family's page says while an outcome that changed since it was confirmed (a
    # death, a discharge) waits for a registrar to tell them: nothing that may no longer
    # stand (`persons.FOUND_PENDING`).
    "registry_release_pending": (
        "נמצא/ה. צוות הרישום יתקשר אליכם.",
        "وُجد/ت. سيتصل بكم فريق التسجيل.",
        "Found. A registrar will call you.",
    ),
    "registry_release_pending_f": (
        "נמצאה. צוות הרישום יתקשר אליכם.",
        "وُجدت. سيتصل بكم فريق التسجيل.",
        "Found. A registrar will call you.",
    ),
    "registry_release_pending_m": (
        "נמצא. צוות הרישום יתקשר אליכם.",
        "وُجد. سيتصل بكم فريق التسجيل.",
        "Found. A registrar will call you.",
    ),
    "registry_deceased_warn": (
        "האדם נפטר. את המשפחה מודיעים פנים אל פנים בלבד. "
        "המשפחה לא תראה זאת בדף שלה עד שתרשום/תרשמי שמסרת להם את הבשורה.",
        "هذا الشخص متوفّى/متوفّاة. تُبلَّغ العائلة وجهًا لوجه فقط. "
        "لن ترى العائلة ذلك في صفحتها حتى تسجّل أنك أبلغتها.",
        "This person has died. The family is told in person only. "
        "They will not see this on their page until you record that you told them.",
    ),
    "registry_unidentified": (
        "תג {tag}: נפטר/ה וטרם זוהה/תה רשמית. יש לזהות קודם; אין להודיע למשפחה לפני כן.",
        "البطاقة {tag}: متوفّى/متوفّاة ولم يُتعرَّف عليه/عليها رسميًا بعد."
        " يجب التعرّف أولًا؛ لا تُبلَّغ العائلة قبل ذلك.",
        "Tag {tag} has died and is not formally identified yet. Identify first; "
        "the family cannot be told before.",
    ),
    "registry_unidentified_prov": (
        "תג {tag}: נפטר/ה, והזיהוי עדיין ראשוני. יש לזהות רשמית; אין להודיע למשפחה לפני כן.",
        "البطاقة {tag}: متوفّى/متوفّاة، والتعرّف ما زال أوّليًا. يجب التعرّف رسميًا؛"
        " لا تُبلَّغ العائلة قبل ذلك.",
        "Tag {tag} has died and is only provisionally identified. Identify formally first;"
        " the family cannot be told before.",
    ),
    "registry_identify": ("זיהוי…", "التعرّف…", "Identify…"),
    "registry_identify_title": ("זיהוי תג {tag}", "التعرّف على البطاقة {tag}", "Identify tag {tag}"),
    "registry_id_name": ("שם מלא", "الاسم الكامل", "Full name"),
    "registry_id_by": (
        "מי זיהה (שם ותפקיד)",
        "من تعرّف عليه (الاسم والصفة)",
        "Identified by (name, role)",
    ),
    "registry_id_method": ("איך זוהה", "طريقة التعرّف", "Method"),
    "registry_id_status": ("ודאות", "درجة اليقين", "Certainty"),
    "registry_id_st_identified": ("זיהוי רשמי", "تعرّف رسمي", "Formal identification"),
    "registry_id_st_provisional": (
        "ראשוני (טעון אישור)",
        "أوّلي (بحاجة إلى تأكيد)",
        "Provisional (to be confirmed)",
    ),
    "registry_idm_documents": ("מסמכים", "وثائق", "Documents"),
    "registry_idm_fingerprints": ("טביעות אצבע", "بصمات الأصابع", "Fingerprints"),
    "registry_idm_dental": ("רישומי שיניים", "سجلات الأسنان", "Dental records"),
    "registry_idm_dna": ("דנ״א (DNA)", "الحمض النووي (DNA)", "DNA"),
    "registry_idm_next_of_kin": ("בן/בת משפחה", "أحد الأقارب", "Next of kin"),
    "registry_idm_personal_effects": ("חפצים אישיים", "أغراض شخصية", "Personal effects"),
    "registry_idm_visual": ("זיהוי חזותי", "التعرّف بالنظر", "Visual recognition"),
    "registry_idm_other": ("אחר", "أخرى", "Other"),
    "registry_id_secondary_dead": (
        "מסמכים, חפצים אישיים וזיהוי חזותי של נפטר/ת נשארים זיהוי ראשוני. זיהוי רשמי: טביעות"
        " אצבע, רישומי שיניים, DNA או קרוב משפחה.",
        "الوثائق والأغراض الشخصية والتعرّف بالنظر على المتوفّى تبقى تعرّفًا أوّليًا. التعرّف"
        " الرسمي: بصمات الأصابع أو سجلات الأسنان أو DNA أو أحد الأقارب.",
        "Documents, personal effects and visual recognition of the dead stay provisional. A"
        " formal identification needs fingerprints, dental records, DNA or next of kin.",
    ),
    "registry_id_need": (
        "כתבו את השם ומי זיהה.",
        "اكتب الاسم ومن تعرّف عليه.",
        "Write the name and who identified.",
    ),
    "registry_id_choose_method": ("— בחרו איך זוהה —", "— اختر طريقة التعرّف —", "— choose how —"),
    "registry_id_choose_status": ("— בחרו ודאות —", "— اختر درجة اليقين —", "— choose certainty —"),
    "registry_id_need_choice": (
        "בחרו איך זוהה ומה הוודאות: בזיהוי נפטר/ת אין בחירת ברירת מחדל.",
        "اختر طريقة التعرّف ودرجة اليقين: لا اختيار افتراضي في التعرّف على متوفّى.",
        "Choose how the person was identified and how sure: for the dead nothing is"
        " chosen for you.",
    ),
    "registry_id_send": ("רישום הזיהוי", "تسجيل التعرّف", "Record identification"),
    "registry_id_done": (
        "תג {tag} זוהה רשמית.",
        "تم التعرّف على البطاقة {tag} رسميًا.",
        "Tag {tag} is formally identified.",
    ),
    "registry_id_done_prov": (
        "תג {tag}: נרשם זיהוי ראשוני. עדיין יש לזהות רשמית.",
        "البطاقة {tag}: سُجّل تعرّف أوّلي. ما زال التعرّف الرسمي مطلوبًا.",
        "Tag {tag}: provisional identification recorded. A formal one is still needed.",
    ),
    "registry_duplicate_note": (
        "שני הדיווחים על אותו אדם: הדיווח הזה יקבל את תוצאת הדיווח האחר.",
        "البلاغان عن الشخص نفسه: سيتبع هذا البلاغ نتيجة البلاغ الآخر.",
        "Both reports are the same person: this report will follow the other one's outcome.",
    ),
    "registry_send_confirm": ("אישור", "تأكيد", "Confirm"),
    "registry_reason": (
        "למה זה לא אותו אדם?",
        "لماذا ليس الشخص نفسه؟",
        "Why is it not the same person?",
    ),
    "registry_send_reject": ("דחיית ההתאמה", "رفض التطابق", "Reject match"),
    "registry_reason_needed": ("כתבו את הסיבה.", "اكتب السبب.", "Write the reason."),
    "registry_cancel": ("ביטול", "إلغاء", "Cancel"),
    "registry_confirmed": (
        'ההתאמה אושרה. המשפחה ממתינה בקטע "משפחות לעדכון".',
        'تم تأكيد التطابق. العائلة بانتظارك في قسم "عائلات يجب إبلاغها".',
        'Match confirmed. The family is waiting under "Families to tell".',
    ),
    "registry_rejected": ("ההתאמה נדחתה.", "تم رفض التطابق.", "Match rejected."),
    # --- families to tell --------------------------------------------------------------------
    "registry_to_tell": ("משפחות לעדכון", "عائلات يجب إبلاغها", "Families to tell"),
    "registry_none_to_tell": (
        "אין משפחה שממתינה לעדכון.",
        "لا توجد عائلة بانتظار الإبلاغ.",
        "No family is waiting to be told.",
    ),
    "registry_channel": ("איך נמסר", "كيف أُبلغت", "How they were told"),
    "registry_ch_in_person": ("פנים אל פנים", "وجهًا لوجه", "In person"),
    "registry_ch_phone": ("בטלפון", "بالهاتف", "By phone"),
    "registry_ch_message": ("בהודעה", "برسالة", "By message"),
    "registry_note": ("הערה (לא חובה)", "ملاحظة (اختياري)", "Note (optional)"),
    "registry_told": ("רישום: המשפחה עודכנה", "تسجيل: تم إبلاغ العائلة", "Record: family told"),
    "registry_told_done": (
        "נרשם שמשפחת {name} עודכנה.",
        "سُجّل أن عائلة {name} أُبلغت.",
        "Recorded that the family of {name} was told.",
    ),
    "registry_in_person_only": (
        "על מוות מודיעים פנים אל פנים.",
        "يُبلَّغ عن الوفاة وجهًا لوجه.",
        "A death is told in person.",
    ),
    "registry_message": (
        "ההודעה למשפחה: {m}",
        "الرسالة للعائلة: {m}",
        "Message to the family: {m}",
    ),
    "registry_contact": ("איש/אשת קשר: {c}", "جهة الاتصال: {c}", "Contact: {c}"),
    "registry_family_account": (
        "חשבון משפחה: {name}",
        "حساب العائلة: {name}",
        "Family account: {name}",
    ),
    "registry_dup_of": (
        "דיווח כפול; התוצאה של {name}",
        "بلاغ مكرّر؛ نتيجة {name}",
        "Duplicate report; the outcome of {name}",
    ),
    "registry_confirmed_at": ("אושר {t}", "أُكّد {t}", "Confirmed {t}"),
    # --- outcomes and statuses ----------------------------------------------------------------
    "registry_out_safe": ("בשלום", "بأمان", "Safe"),
    "registry_out_injured": ("פצוע/ה, בטיפול", "مصاب/ة، قيد العلاج", "Injured, in care"),
    "registry_out_deceased": ("נפטר/ה", "متوفّى/متوفّاة", "Deceased"),
    "registry_out_left_care": (
        "עזב/ה את בית החולים בניגוד לעצה רפואית",
        "غادر/ت المستشفى خلافًا للمشورة الطبية",
        "Left hospital against advice",
    ),
    # Where a discharged casualty went (a casualty card's `disposition`).
    "registry_disp_home": ("שוחרר/ה הביתה", "خرج/ت إلى البيت", "Discharged home"),
    "registry_disp_shelter": ("שוחרר/ה למקלט", "خرج/ت إلى ملجأ", "Discharged to a shelter"),
    "registry_disp_other_care": (
        "הועבר/ה לטיפול במקום אחר",
        "نُقل/ت إلى رعاية في مكان آخر",
        "Moved to other care",
    ),
    "registry_disp_left_against_advice": (
        "עזב/ה בניגוד לעצה רפואית",
        "غادر/ت خلافًا للمشورة الطبية",
        "Left against medical advice",
    ),
    # A family to tell again (the board's `to_tell`: changed_from, moved_from, place,
    # told_before, told, withdrawn, reason, identify_first).
    "registry_changed_since_told": (
        "המצב השתנה מאז שנמסר למשפחה: היה {was}, כעת {now}",
        "تغيّرت الحالة منذ إبلاغ العائلة: كانت {was}، والآن {now}",
        "Outcome changed since you told them: was {was}, now {now}",
    ),
    "registry_changed_since_confirmed": (
        "המצב השתנה מאז אישור ההתאמה: היה {was}, כעת {now}",
        "تغيّرت الحالة منذ تأكيد التطابق: كانت {was}، والآن {now}",
        "Outcome changed since confirmed: was {was}, now {now}",
    ),
    "registry_moved_since_told": (
        "הועבר/ה מאז שנמסר למשפחה. אז: {was}. כעת: {now}. יש לומר להם איפה.",
        "نُقل/ت منذ إبلاغ العائلة. حينها: {was}. الآن: {now}. أخبروهم أين.",
        "Moved since you told them. Then: {was}. Now: {now}. Tell them where.",
    ),
    "registry_where_now": ("נמצא/ת כעת: {p}", "الموقع الآن: {p}", "Where now: {p}"),
    "registry_place_other_care": ("מוסד רפואי אחר", "رعاية أخرى", "other care"),
    "registry_place_on_the_way": (
        "בדרך, היעד טרם נמסר",
        "في الطريق، لم تُحدَّد الوجهة بعد",
        "on the way, destination not yet known",
    ),
    "registry_place_none": (
        "לא בבית חולים עדיין",
        "ليس في مستشفى بعد",
        "not in a hospital yet",
    ),
    "registry_identify_first": (
        "טרם זוהה/תה רשמית: יש לזהות קודם. אין למסור למשפחה על המוות עד אז.",
        "لم يُتعرَّف عليه/ا رسميًا بعد: أكملوا التعرّف أولًا. لا تُبلَّغ العائلة بالوفاة قبل ذلك.",
        "Not formally identified: identify first. Tell no family of this death until then.",
    ),
    "registry_withdrawn_tell": (
        "ההתאמה בוטלה ({reason}). יש לומר למשפחה שהמידע הקודם היה שגוי.",
        "سُحب التطابق ({reason}). يجب إبلاغ العائلة بأن الخبر السابق كان خاطئًا.",
        "The match was withdrawn ({reason}). Tell the family the earlier news was wrong.",
    ),
    "registry_told_then": ("נמסר להם: {o}", "أُبلغوا: {o}", "They were told: {o}"),
    "registry_withdraw": ("ביטול ההתאמה…", "سحب التطابق…", "Withdraw this match…"),
    "registry_withdraw_reason": (
        "למה ההתאמה שגויה (חובה)",
        "لماذا التطابق خاطئ (إلزامي)",
        "Why the match is wrong (required)",
    ),
    "registry_withdraw_send": ("המשך", "متابعة", "Continue"),
    "registry_withdraw_sure": (
        "לבטל את ההתאמה? הדיווח על {name} יחזור לחיפוש, ומשפחה שכבר נמסר לה תקבל הודעה"
        " שהמידע הקודם היה שגוי.",
        "هل تسحب التطابق؟ سيعود البلاغ عن {name} إلى البحث، والعائلة التي أُبلغت ستُبلَّغ"
        " بأن الخبر السابق كان خاطئًا.",
        "Withdraw the match? The report on {name} will search again, and a family already"
        " told will be told the earlier news was wrong.",
    ),
    "registry_withdraw_yes": ("כן, לבטל את ההתאמה", "نعم، اسحب التطابق", "Yes, withdraw the match"),
    "registry_withdraw_done": (
        "ההתאמה בוטלה. הדיווח על {name} חזר לחיפוש.",
        "سُحب التطابق. عاد البلاغ عن {name} إلى البحث.",
        "The match was withdrawn. The report on {name} is searching again.",
    ),
    "registry_on_closed": (
        "{n} הצעות לדיווחים שכבר נסגרו אינן מוצגות",
        "{n} اقتراحات لبلاغات أُغلقت بالفعل غير معروضة",
        "{n} proposals for reports already closed are not shown",
    ),
    "registry_out_duplicate": ("דיווח כפול", "بلاغ مكرّر", "Duplicate report"),
    "registry_st_searching": ("בחיפוש", "قيد البحث", "Searching"),
    "registry_st_found": ("נמצא/ה", "وُجد", "Found"),
    "registry_st_safe": ("סומן/ה בטוח/ה", "مُعلَّم بأمان", "Marked safe"),
    "registry_st_duplicate": ("כפול", "مكرّر", "Duplicate"),
    "registry_st_all": ("כל הדיווחים", "كل البلاغات", "All reports"),
    "registry_cas_at_scene": ("בזירה", "في الموقع", "at the scene"),
    "registry_cas_evacuated": (
        "בפינוי לבית חולים",
        "في طريقه إلى المستشفى",
        "on the way to hospital",
    ),
    "registry_cas_arrived": ("הגיע/ה לבית החולים", "وصل إلى المستشفى", "arrived at hospital"),
    "registry_cas_admitted": ("מאושפז/ת", "في المستشفى", "admitted"),
    "registry_cas_discharged": ("שוחרר/ה", "خرج من المستشفى", "discharged"),
    "registry_cas_deceased": ("נפטר/ה", "متوفّى/متوفّاة", "deceased"),
    "registry_ident_unidentified": ("לא מזוהה", "غير معروف الهوية", "not identified"),
    "registry_ident_provisional": ("זיהוי ראשוני", "تعرّف أوّلي", "provisionally identified"),
    "registry_ident_identified": ("מזוהה רשמית", "تم التعرّف رسميًا", "formally identified"),
    # --- what a record shows ------------------------------------------------------------------
    "registry_tag": ("תג {tag}", "البطاقة {tag}", "Tag {tag}"),
    "registry_born": ("נולד/ה {d}", "مواليد {d}", "born {d}"),
    "registry_age_is": ("גיל {a}", "العمر {a}", "age {a}"),
    "registry_last_seen": ("נראה/תה לאחרונה: {what}", "شوهد آخر مرة: {what}", "Last seen: {what}"),
    "registry_found": ("נמצא/ה: {what}", "عُثر عليه/عليها: {what}", "Found: {what}"),
    "registry_checked_in": ("נרשם/ה: {what}", "سُجّل: {what}", "Checked in: {what}"),
    "registry_hospital": ("בית חולים: {h}", "المستشفى: {h}", "Hospital: {h}"),
    "registry_reported_at": ("דווח {t}", "أُبلغ {t}", "reported {t}"),
    "registry_no_description": ("אין תיאור", "لا وصف", "no description"),
    # --- reports list --------------------------------------------------------------------------
    "registry_reports": ("דיווחים", "البلاغات", "Reports"),
    "registry_search": (
        "חיפוש לפי שם (כל כתב)",
        "بحث بالاسم (أي أبجدية)",
        "Search by name (any script)",
    ),
    "registry_no_reports": ("אין דיווח מתאים.", "لا بلاغ مطابق.", "No report matches."),
    "registry_first_of": (
        "מוצגים {n} הראשונים מתוך {total}; הבאים יופיעו כשאלה יטופלו.",
        "يُعرض أول {n} من {total}؛ يظهر التالي عند إنجاز هذه.",
        "Showing the first {n} of {total}; the next appear as these are done.",
    ),
    # A report's notes (PFIF), opened under a card.
    "registry_notes": ("הערות ({n})", "ملاحظات ({n})", "Notes ({n})"),
    "registry_notes_on": ("הערות על", "ملاحظات عن", "Notes on"),
    "registry_note_where": ("מקום ידוע אחרון:", "آخر مكان معروف:", "Last known location:"),
    "registry_note_st_information_sought": ("מבקשים מידע", "يُطلب معلومات", "seeking information"),
    "registry_note_st_is_note_author": (
        "הכותב/ת הוא/היא האדם",
        "الكاتب هو الشخص نفسه",
        "written by the person",
    ),
    "registry_note_st_believed_alive": ("ככל הנראה בחיים", "يُعتقد أنه حي", "believed alive"),
    "registry_note_st_believed_missing": (
        "ככל הנראה נעדר/ת",
        "يُعتقد أنه مفقود",
        "believed missing",
    ),
    "registry_note_st_believed_dead": ("ככל הנראה נפטר/ה", "يُعتقد أنه متوفى", "believed dead"),
    # The reports a page at a time, newest first. {range} and {total} are numbers kept left
    # to right ("51–100"); the arrows point the way the page turns in the reading direction.
    "registry_pages": ("עמודי הדיווחים", "صفحات البلاغات", "Pages of reports"),
    "registry_page_at": (
        "מוצגים {range} מתוך {total}",
        "يُعرض {range} من {total}",
        "Showing {range} of {total}",
    ),
    "registry_page_prev": ("→ הקודמים", "→ السابقة", "← Previous"),
    "registry_page_next": ("הבאים ←", "التالية ←", "Next →"),
    # --- forms -------------------------------------------------------------------------------
    "registry_file_report": (
        "דיווח על נעדר/ת בשם משפחה",
        "تقديم بلاغ عن مفقود باسم عائلة",
        "File a report for a family",
    ),
    "registry_check_in": ("רישום ניצול/ה בעמדה", "تسجيل ناجٍ في المكتب", "Check in a survivor"),
    "registry_full_name": ("שם מלא", "الاسم الكامل", "Full name"),
    "registry_other_names": (
        "שמות או איותים נוספים (מופרדים בפסיק)",
        "أسماء أو تهجئات أخرى (مفصولة بفاصلة)",
        "Other names or spellings (comma-separated)",
    ),
    # Each pattern isolated left to right, so YYYY-MM-DD is not broken at its hyphens.
    "registry_birth": (
        "תאריך לידה (\u206614.05.1990\u2069, \u20661990-05-14\u2069 או שנה בלבד)",
        "تاريخ الميلاد (\u206614.05.1990\u2069 أو \u20661990-05-14\u2069 أو السنة فقط)",
        "Date of birth (14.05.1990, 1990-05-14 or just a year)",
    ),
    "registry_age": (
        "גיל (למשל 34 או 30-40)",
        "العمر (مثلًا 34 أو 30-40)",
        "Age (e.g. 34 or 30-40)",
    ),
    "registry_sex": ("מין", "الجنس", "Sex"),
    "registry_sex_unknown": ("לא ידוע", "غير معروف", "unknown"),
    "registry_sex_female": ("נקבה", "أنثى", "female"),
    "registry_sex_male": ("זכר", "ذكر", "male"),
    "registry_sex_other": ("אחר", "آخر", "other"),
    "registry_hair": ("שיער", "الشعر", "Hair"),
    "registry_height_cm": ("{n} ס״מ", "{n} سم", "{n} cm"),
    "registry_build_slight": ("רזה", "نحيف", "slight"),
    "registry_build_medium": ("מבנה בינוני", "بنية متوسطة", "medium"),
    "registry_build_heavy": ("מבנה מלא", "بنية ممتلئة", "heavy"),
    "registry_list_sep": (", ", "، ", ", "),
    "registry_clothing": ("לבוש", "الملابس", "Clothing"),
    "registry_marks": (
        "סימנים מזהים (צלקות, קעקועים, תכשיטים)",
        "علامات مميّزة (ندوب، وشوم، مجوهرات)",
        "Marks (scars, tattoos, jewellery)",
    ),
    "registry_other": ("עוד בתיאור", "وصف آخر", "Other description"),
    "registry_last_seen_place": ("היכן נראה/תה לאחרונה", "أين شوهد آخر مرة", "Last seen where"),
    "registry_last_seen_at": ("מתי נראה/תה לאחרונה", "متى شوهد آخر مرة", "Last seen when"),
    "registry_family": ("המשפחה", "العائلة", "The family"),
    "registry_contact_name": ("שם המדווח/ת", "اسم المُبلِّغ", "Name of the person reporting"),
    "registry_contact_relation": ("קרבה", "صلة القرابة", "Relation"),
    "registry_contact_phone": ("טלפון", "الهاتف", "Phone"),
    "registry_family_username": (
        "שם משתמש במגן של המשפחה (אם יש)",
        "اسم مستخدم العائلة في ماغن (إن وُجد)",
        "The family's Magen username (if they have one)",
    ),
    "registry_place": ("היכן (מקלט, עמדה)", "أين (ملجأ، مكتب)", "Where (shelter, desk)"),
    "registry_submit_report": ("הגשת הדיווח", "تقديم البلاغ", "File the report"),
    "registry_submit_check_in": ("רישום", "تسجيل", "Check in"),
    "registry_report_done": (
        "הדיווח על {name} נרשם.",
        "سُجّل البلاغ عن {name}.",
        "Report filed for {name}.",
    ),
    "registry_check_in_done": (
        "{name} נרשם/ה כבטוח/ה.",
        "سُجّل {name} كناجٍ.",
        "{name} checked in safe.",
    ),
    "registry_need_name": ("כתבו שם מלא.", "اكتب الاسم الكامل.", "Write the full name."),
    "registry_need_contact": (
        "איך מגיעים למשפחה? כתבו שם וטלפון, או שם משתמש במגן.",
        "كيف نصل إلى العائلة؟ اكتب الاسم والهاتف، أو اسم المستخدم في ماغن.",
        "How do we reach the family? Give a name and phone, or their Magen username.",
    ),
    "registry_no_account": (
        "אין חשבון תושב בשם המשתמש {u}.",
        "لا يوجد حساب ساكن باسم المستخدم {u}.",
        "No resident account has the username {u}.",
    ),
    "registry_bad_age": (
        "גיל הוא מספר או טווח כמו 30-40.",
        "العمر رقم أو مدى مثل 30-40.",
        "An age is a number or a range like 30-40.",
    ),
    "registry_late_notes": (
        "נכתב אחרי סגירת הדיווח",
        "كُتب بعد إغلاق البلاغ",
        "Written after the report was closed",
    ),
    "registry_late_notes_why": (
        "משפחה שכותבת אחרי שנמצאה התאמה עלולה לדעת משהו שהרישום לא יודע: קראו לפני כל הודעה.",
        "عائلة تكتب بعد تأكيد التطابق قد تعرف ما لا يعرفه السجل: اقرأوا قبل أي إبلاغ.",
        "A family writing after a match was confirmed may know what the registry does not:"
        " read it before anyone is told anything.",
    ),
}


# Hebrew and Arabic say "found him" and "found her" differently: the key's suffix for each.
_SAID_OF = {Sex.FEMALE: "_f", Sex.MALE: "_m"}


def said_of(sex: Sex | None) -> str:
    """ "_f", "_m" or "": the suffix of the words said of a person of that sex, if known."""
    return _SAID_OF.get(sex, "") if sex is not None else ""


# The outcomes the desk has a stock sentence for (registry_release_<outcome>).
# "pending": a found report whose changed outcome the family is still to be told of.
RELEASE_OUTCOMES = ("safe", "injured", "deceased", "left_care", "pending")


def release_kind(status: str, outcome: Outcome | None) -> str | None:
    """Which stock sentence a family's report may carry: its outcome's, or "pending" for one
    found with no outcome told (it changed since confirmed, and no registrar has told them
    yet); None for a report not found."""
    if outcome is not None:
        return outcome.value
    return "pending" if status == "found" else None


def stock_release(outcome: str, said: str) -> str | None:
    """`registry_release_<outcome>` when `said` is the desk's stock sentence for it, else None.

    The sentence in any language and any of its forms (for both sexes, for a woman, for a
    man) counts: the desk proposes it in its own language, and the service's default when the
    registrar leaves the words empty is its English. Words the registrar wrote are not stock.
    """
    if outcome not in RELEASE_OUTCOMES:
        return None
    key = f"registry_release_{outcome}"
    said = said.strip()
    if any(said in WORDS[form] for form in (key, f"{key}_f", f"{key}_m")):
        return key
    return None
