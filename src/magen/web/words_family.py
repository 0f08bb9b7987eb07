"""Words of the family page (/family): Hebrew, Arabic, English.

Read by people looking for someone they love after an attack: short, calm, concrete, and
never promising what the registry cannot yet say.
"""

from __future__ import annotations

# key -> (he, ar, en); a key may appear in one words module only.
WORDS: dict[str, tuple[str, str, str]] = {
    "family_title": ("חיפוש בן או בת משפחה", "البحث عن قريب", "Looking for a relative"),
    "family_why_account": (
        "כדי לדווח על נעדר/ת צריך חשבון: כך צוות הרישום יכול לחזור אליכם, ורק אתם רואים"
        " את הדיווחים שלכם.",
        "للإبلاغ عن شخص مفقود تحتاج إلى حساب: هكذا يستطيع فريق التسجيل التواصل معك، ولا يرى"
        " بلاغاتك أحد غيرك.",
        "To report a missing person you need an account: that way the registry can reach you,"
        " and only you see your reports.",
    ),
    "family_sign_in": (
        "כניסה עם חשבון קיים",
        "الدخول بحساب موجود",
        "Sign in with your account",
    ),
    "family_signup_title": (
        "אין לכם חשבון? פתיחת חשבון",
        "ليس لديك حساب؟ أنشئ حسابًا",
        "No account? Create one",
    ),
    "family_display_name": ("השם שלך", "اسمك", "Your name"),
    "family_username_hint": (
        "אותיות אנגליות קטנות, ספרות, נקודה, קו תחתון (_), מקף",
        "أحرف إنجليزية صغيرة وأرقام ونقطة وشرطة سفلية (_) وشرطة",
        "small English letters, digits, dot, underscore (_), dash",
    ),
    "family_password_hint": ("לפחות 8 תווים", "8 أحرف على الأقل", "at least 8 characters"),
    "family_signup": (
        "פתיחת חשבון וכניסה",
        "إنشاء الحساب والدخول",
        "Create the account and sign in",
    ),
    "family_signup_closed": (
        "אי אפשר לפתוח חשבון כאן. פנו לדלפק הרישום של הרשות המקומית: שם ירשמו את הדיווח"
        " או יפתחו לכם חשבון.",
        "لا يمكن إنشاء حساب هنا. توجّه إلى مكتب التسجيل في البلدية: هناك يسجّلون البلاغ أو"
        " يفتحون لك حسابًا.",
        "Accounts cannot be created here. Go to the municipality's registry desk: they will"
        " file the report or open an account for you.",
    ),
    "family_refused": (
        "הדף הזה מיועד לתושבים שמחפשים בן או בת משפחה. את/ה מחובר/ת כ-{role}.",
        "هذه الصفحة للسكان الذين يبحثون عن قريب. أنت مسجّل كـ {role}.",
        "This page is for residents looking for a relative. You are signed in as {role}.",
    ),
    "family_check_fields": (
        "לא נשלח. תקנו את השדות המסומנים ושלחו שוב.",
        "لم يُرسل. صحّح الحقول المؤشَّر عليها وأرسل مجددًا.",
        "Not sent. Correct the marked fields and send again.",
    ),
    # --- the report form -----------------------------------------------------------------
    "family_report_title": ("דיווח על נעדר/ת", "الإبلاغ عن شخص مفقود", "Report a missing person"),
    "family_report_intro": (
        "כתבו מה שאתם יודעים. רק השם חובה.",
        "اكتب ما تعرفه. الاسم فقط إلزامي.",
        "Write what you know. Only the name is required.",
    ),
    "family_full_name": ("שם מלא", "الاسم الكامل", "Full name"),
    "family_alternates": (
        "שמות או איותים נוספים (שורה לכל אחד)",
        "أسماء أو تهجئات أخرى (سطر لكل واحد)",
        "Other names or spellings (one per line)",
    ),
    "family_alternates_hint": (
        "בעברית, בערבית, באנגלית, ברוסית, כינוי…",
        "بالعبرية، بالعربية، بالإنجليزية، بالروسية، لقب…",
        "in Hebrew, Arabic, English, Russian, a nickname…",
    ),
    "family_sex": ("מין", "الجنس", "Sex"),
    "family_sex_female": ("נקבה", "أنثى", "Female"),
    "family_sex_male": ("זכר", "ذكر", "Male"),
    "family_age_or_born": (
        "גיל או תאריך לידה (אחד מהם מספיק)",
        "العمر أو تاريخ الميلاد (يكفي أحدهما)",
        "Age or date of birth (either is enough)",
    ),
    "family_age": ("גיל", "العمر", "Age"),
    "family_age_hint": ("34 / 30-40", "34 / 30-40", "34 / 30-40"),
    "family_born": ("תאריך או שנת לידה", "تاريخ أو سنة الميلاد", "Date or year of birth"),
    "family_born_hint": ("14.05.1990", "14.05.1990", "14.05.1990"),
    "family_description": ("איך הם נראים", "كيف يبدو", "What they look like"),
    "family_hair": ("שיער", "الشعر", "Hair"),
    "family_hair_hint": ("צבע, אורך", "اللون، الطول", "colour, length"),
    "family_build": ("מבנה גוף", "البنية", "Build"),
    "family_build_slight": ("רזה", "نحيف", "Slight"),
    "family_build_medium": ("בינוני", "متوسط", "Medium"),
    "family_build_heavy": ("מלא", "ممتلئ", "Heavy"),
    "family_height": ("גובה (ס״מ)", "الطول (سم)", "Height (cm)"),
    "family_clothing": ("בגדים", "الملابس", "Clothing"),
    "family_clothing_hint": (
        "מה לבש/ה כשנראה/תה לאחרונה",
        "ماذا كان يرتدي عندما شوهد آخر مرة",
        "what they wore when last seen",
    ),
    "family_marks": ("סימנים מזהים", "علامات مميزة", "Distinguishing marks"),
    "family_marks_hint": (
        "צלקות, קעקועים, משקפיים, תכשיטים",
        "ندوب، وشوم، نظارات، مجوهرات",
        "scars, tattoos, glasses, jewellery",
    ),
    "family_last_seen": (
        "איפה ומתי נראו לאחרונה",
        "أين ومتى شوهد آخر مرة",
        "Where and when last seen",
    ),
    "family_place": ("מקום", "المكان", "Place"),
    "family_place_hint": (
        "כתובת, רחוב או מקום מוכר",
        "عنوان أو شارع أو مكان معروف",
        "an address, a street or a known place",
    ),
    "family_when": ("מתי", "متى", "When"),
    # Beside "when", with the server's time: a phone's clock may be ahead of it (the demo's runs
    # behind the wall), and a time still to come is refused. The field starts empty: a time
    # nobody chose would be matched against casualties as if the family had given it.
    "family_when_now": (
        "השעה עכשיו: {t}. כתבו מתי נראו לאחרונה; אם לא ידוע, השאירו ריק.",
        "الساعة الآن: {t}. اكتبوا وقت آخر مشاهدة؛ وإن لم تعرفوه فاتركوا الحقل فارغًا.",
        "The time now: {t}. Put when they were last seen; if you do not know, leave it empty.",
    ),
    "family_contact": ("איך להשיג אתכם", "كيف نتواصل معك", "How to reach you"),
    "family_contact_name": ("השם שלך", "اسمك", "Your name"),
    "family_phone": ("טלפון", "الهاتف", "Phone"),
    "family_relation": ("מה הקרבה שלך", "صلة القرابة", "Your relation to them"),
    "family_relation_hint": ("אמא, אח, שכנה…", "أم، أخ، جارة…", "mother, brother, neighbour…"),
    "family_send": ("שליחת הדיווח", "إرسال البلاغ", "Send the report"),
    "family_report_done": (
        "הדיווח על {name} נשמר ({t}). צוות הרישום בודק אותו מול הרשימות של כוחות ההצלה,"
        " בתי החולים ונקודות הקליטה. מה שיאושר יופיע כאן.",
        "حُفظ البلاغ عن {name} ({t}). يطابقه فريق التسجيل مع قوائم فرق الإنقاذ والمستشفيات"
        " ونقاط الاستقبال. ما يتأكد سيظهر هنا.",
        "The report on {name} is filed ({t}). The registry checks it against the lists of"
        " rescuers, hospitals and reception points. What is confirmed will appear here.",
    ),
    # --- errors --------------------------------------------------------------------------
    "family_err_name": ("כתבו את שם האדם.", "اكتب اسم الشخص.", "Write the person's name."),
    "family_err_born": (
        "כתבו תאריך לידה כמו 14.05.1990, או רק שנה כמו 1990.",
        "اكتب تاريخ الميلاد مثل 14.05.1990، أو السنة فقط مثل 1990.",
        "Write a date of birth like 14.05.1990, or just a year like 1990.",
    ),
    "family_err_born_future": (
        "תאריך הלידה מאוחר מהיום שבו נראו לאחרונה.",
        "تاريخ الميلاد بعد يوم آخر مشاهدة.",
        "That date of birth is after the day they were last seen.",
    ),
    "family_err_age": (
        "כתבו גיל בשנים (34) או טווח (30-40), עד 130.",
        "اكتب العمر بالسنوات (34) أو مدى (30-40)، حتى 130.",
        "Write an age in years (34) or a range (30-40), up to 130.",
    ),
    "family_err_age_born": (
        "הגיל לא מתאים לתאריך הלידה (לפיו הגיל {age}). תקנו אחד מהם או השאירו רק אחד.",
        "العمر لا يتوافق مع تاريخ الميلاد (الذي يعني عمر {age}). صحّح أحدهما أو اترك واحدًا فقط.",
        "The age does not fit the date of birth (which makes {age}). Correct one or leave"
        " just one.",
    ),
    "family_err_height": (
        "כתבו גובה בס״מ, בין 30 ל-250.",
        "اكتب الطول بالسنتيمتر، بين 30 و250.",
        "Write a height in cm, from 30 to 250.",
    ),
    "family_err_phone": (
        "מספר טלפון: ספרות, רווחים, + ו-- בלבד.",
        "رقم الهاتف: أرقام ومسافات و+ و- فقط.",
        "A phone number has digits, spaces, + and - only.",
    ),
    "family_err_when": ("בחרו תאריך ושעה.", "اختر التاريخ والساعة.", "Choose a date and time."),
    "family_err_when_future": (
        "הזמן שנבחר עוד לא הגיע.",
        "الوقت المختار لم يأتِ بعد.",
        "That time is still to come.",
    ),
    "family_err_when_old": (
        "כאן מדווחים על מי שנראה ב-30 הימים האחרונים. על מקרה ישן יותר פנו לדלפק הרישום.",
        "هنا يُبلَّغ عمّن شوهد في آخر 30 يومًا. لحالة أقدم توجّه إلى مكتب التسجيل.",
        "This is for people seen in the last 30 days. For an older case, go to the registry desk.",
    ),
    "family_err_username": (
        "שם משתמש: 2 עד 64 אותיות אנגליות קטנות, ספרות, נקודה, קו תחתון או מקף.",
        "اسم المستخدم: من 2 إلى 64 من الأحرف الإنجليزية الصغيرة والأرقام والنقطة والشرطة"
        " السفلية والشرطة.",
        "Username: 2 to 64 small English letters, digits, dot, underscore or dash.",
    ),
    "family_err_taken": (
        "שם המשתמש הזה תפוס. בחרו שם אחר.",
        "اسم المستخدم هذا محجوز. اختر اسمًا آخر.",
        "That username is taken. Choose another.",
    ),
    "family_err_password": (
        "הסיסמה צריכה לפחות 8 תווים.",
        "كلمة المرور تحتاج إلى 8 أحرف على الأقل.",
        "The password needs at least 8 characters.",
    ),
    "family_err_display": ("כתבו את שמכם.", "اكتب اسمك.", "Write your name."),
    "family_err_note": (
        "כתבו מה נודע לכם.",
        "اكتب ما عرفته.",
        "Write what you have learnt.",
    ),
    "family_err_confirm": (
        "סמנו את התיבה כדי לאשר שהם בשלום.",
        "ضع علامة في المربع لتأكيد أنه بأمان.",
        "Tick the box to confirm they are safe.",
    ),
    "family_err_not_yours": (
        "הדיווח הזה לא נמצא בין הדיווחים שלך.",
        "هذا البلاغ ليس من بلاغاتك.",
        "That report is not one of yours.",
    ),
    "family_err_refused": (
        "לא נשלח: צוות הרישום לא יכול לקבל את זה כרגע. בדקו שוב (ייתכן שהדף לא עדכני);"
        " אם זה חוזר, התקשרו לדלפק הרישום.",
        "لم يُرسل: لا يستطيع فريق التسجيل استلام هذا الآن. تحقّق مجددًا (قد تكون الصفحة"
        " غير محدَّثة)؛ وإن تكرّر ذلك فاتصل بمكتب التسجيل.",
        "Not sent: the registry cannot take this now. Check again (this page may be out of"
        " date); if it happens again, call the registry desk.",
    ),
    "family_err_busy": (
        "לא נשלח: יותר מדי שליחות בזמן קצר. חכו דקה ושלחו שוב.",
        "لم يُرسل: طلبات كثيرة في وقت قصير. انتظر دقيقة وأرسل مجددًا.",
        "Not sent: too many sends in a short time. Wait a minute and send again.",
    ),
    # --- your reports ----------------------------------------------------------------------
    "family_yours": ("הדיווחים שלך", "بلاغاتك", "Your reports"),
    "family_none": (
        "עוד לא דיווחת על אף אחד.",
        "لم تبلّغ عن أحد بعد.",
        "You have not reported anyone yet.",
    ),
    "family_as_of": (
        "המצב נכון ל-{t}. הדף לא מתעדכן לבד.",
        "الحالة حتى {t}. الصفحة لا تتحدّث تلقائيًا.",
        "Status as of {t}. This page does not update by itself.",
    ),
    "family_refresh": ("בדיקה מחדש", "تحقّق مجددًا", "Check again"),
    "family_filed": ("דווח ב-{t}", "أُبلغ في {t}", "Reported {t}"),
    "family_also": ("גם:", "أيضًا:", "Also:"),
    "family_seen_at": ("נראו לאחרונה:", "شوهد آخر مرة:", "Last seen:"),
    "family_seen_at_f": ("נראתה לאחרונה:", "شوهدت آخر مرة:", "Last seen:"),
    "family_seen_at_m": ("נראה לאחרונה:", "شوهد آخر مرة:", "Last seen:"),
    "family_seen_when": ("ב-{t}", "في {t}", "at {t}"),
    "family_st_searching": ("מחפשים", "قيد البحث", "Searching"),
    "family_st_found": ("נמצא/ה", "عُثر عليه", "Found"),
    "family_st_found_safe": ("נמצא/ה בשלום", "عُثر عليه سالمًا", "Found safe"),
    # Said of the person as the family described them: a mother reads of her daughter, not
    # of "them" (the forms for both are kept for a person whose sex the family did not give).
    "family_st_found_f": ("נמצאה", "عُثر عليها", "Found"),
    "family_st_found_m": ("נמצא", "عُثر عليه", "Found"),
    "family_st_found_safe_f": ("נמצאה בשלום", "عُثر عليها سالمة", "Found safe"),
    "family_st_found_safe_m": ("נמצא בשלום", "عُثر عليه سالمًا", "Found safe"),
    # A death, once a registrar has told the family in person: no "found", no green.
    "family_st_news": ("הודעה מצוות הרישום", "رسالة من فريق التسجيل", "From the registry"),
    "family_st_safe": ("בשלום", "بأمان", "Safe"),
    "family_searching_text": (
        "עדיין אין מידע מאושר. כשיהיה, הוא יופיע כאן.",
        "لا توجد معلومات مؤكدة بعد. عندما تتوفر ستظهر هنا.",
        "No confirmed news yet. When there is, it will appear here.",
    ),
    "family_registry_says": ("צוות הרישום ({t}):", "فريق التسجيل ({t}):", "The registry ({t}):"),
    "family_you_said": (
        "סימנת שהם בשלום ({t}).",
        "سجّلتَ أنه بأمان ({t}).",
        "You marked them safe ({t}).",
    ),
    "family_told": (
        "צוות הרישום דיבר איתך ב-{t}.",
        "تحدّث معك فريق التسجيل في {t}.",
        "The registry spoke with you at {t}.",
    ),
    # On a death's card once the registry has told the family (the desk's stock words said
    # a registrar "will meet you", which is past by then).
    "family_news_told": (
        "לכל שאלה אפשר לפנות לצוות הרישום.",
        "لأي سؤال يمكنكم التوجّه إلى فريق التسجيل.",
        "For any question, you can turn to the registry.",
    ),
    "family_your_notes": ("מה שהוספת", "ما أضفته", "What you added"),
    "family_note_label": ("מידע חדש", "معلومة جديدة", "New information"),
    "family_note_hint": (
        "למשל: שכן ראה אותו/ה בבוקר ליד המקלט; התקשר/ה ממספר אחר",
        "مثلًا: رآه جار صباحًا قرب الملجأ؛ اتصل من رقم آخر",
        "e.g. a neighbour saw them this morning by the shelter; they called from another number",
    ),
    "family_note_send": ("הוספת המידע", "إضافة المعلومة", "Add this information"),
    "family_note_done": (
        "המידע על {name} נוסף ({t}). צוות הרישום יראה אותו.",
        "أُضيفت المعلومة عن {name} ({t}). سيراها فريق التسجيل.",
        "The information on {name} was added ({t}). The registry will see it.",
    ),
    "family_safe_title": ("מצאתם אותם?", "هل وجدته؟", "Have you found them?"),
    "family_safe_confirm": (
        "ראיתי אותם או דיברתי איתם בעצמי",
        "رأيته أو تحدّثت معه بنفسي",
        "I have seen or spoken to them myself",
    ),
    "family_safe_note": (
        "איפה הם עכשיו (לא חובה)",
        "أين هو الآن (اختياري)",
        "Where they are now (optional)",
    ),
    "family_safe_send": (
        "מצאתי אותם, הם בשלום",
        "وجدته، إنه بأمان",
        "I found them, they are safe",
    ),
    "family_safe_title_f": ("מצאתם אותה?", "هل وجدتها؟", "Have you found her?"),
    "family_safe_title_m": ("מצאתם אותו?", "هل وجدته؟", "Have you found him?"),
    "family_safe_confirm_f": (
        "ראיתי אותה או דיברתי איתה בעצמי",
        "رأيتها أو تحدّثت معها بنفسي",
        "I have seen or spoken to her myself",
    ),
    "family_safe_confirm_m": (
        "ראיתי אותו או דיברתי איתו בעצמי",
        "رأيته أو تحدّثت معه بنفسي",
        "I have seen or spoken to him myself",
    ),
    "family_safe_note_f": (
        "איפה היא עכשיו (לא חובה)",
        "أين هي الآن (اختياري)",
        "Where she is now (optional)",
    ),
    "family_safe_note_m": (
        "איפה הוא עכשיו (לא חובה)",
        "أين هو الآن (اختياري)",
        "Where he is now (optional)",
    ),
    "family_safe_send_f": (
        "מצאתי אותה, היא בשלום",
        "وجدتها، إنها بأمان",
        "I found her, she is safe",
    ),
    "family_safe_send_m": (
        "מצאתי אותו, הוא בשלום",
        "وجدته، إنه بأمان",
        "I found him, he is safe",
    ),
    "family_safe_done": (
        "{name}: סומן/ה בשלום ({t}). צוות הרישום מפסיק לחפש.",
        "سجّلنا أن {name} بأمان ({t}). يتوقف فريق التسجيل عن البحث.",
        "{name} is marked safe ({t}). The registry stops searching.",
    ),
    # Kept as a note when the report was closed meanwhile: said like any word passed on,
    # never "the report is closed" (a death is told in person, not by this page).
    "family_safe_as_note": (
        "המשפחה: ראיתי אותם או דיברתי איתם בעצמי, הם בשלום.",
        "العائلة: رأيته أو تحدّثت معه بنفسي، إنه بأمان.",
        "The family: I have seen or spoken to them myself, they are safe.",
    ),
    "family_safe_as_note_f": (
        "המשפחה: ראיתי אותה או דיברתי איתה בעצמי, היא בשלום.",
        "العائلة: رأيتها أو تحدّثت معها بنفسي، إنها بأمان.",
        "The family: I have seen or spoken to her myself, she is safe.",
    ),
    "family_safe_as_note_m": (
        "המשפחה: ראיתי אותו או דיברתי איתו בעצמי, הוא בשלום.",
        "العائلة: رأيته أو تحدّثت معه بنفسي، إنه بأمان.",
        "The family: I have seen or spoken to him myself, he is safe.",
    ),
    "family_safe_noted": (
        "מה שכתבת על {name} הועבר לצוות הרישום ({t}). הם יחזרו אליכם.",
        "نُقل ما كتبته عن {name} إلى فريق التسجيل ({t}). سيتواصلون معك.",
        "What you wrote about {name} was passed to the registry ({t}). They will contact you.",
    ),
    "family_checked_in": (
        "דיווחת שאת/ה בשלום ב-{t}.",
        "أبلغتَ أنك بأمان في {t}.",
        "You checked in as safe at {t}.",
    ),
    "family_link_resident": ("לדף התושב", "إلى صفحة السكان", "To the resident page"),
    "family_link": ("מחפשים בן או בת משפחה?", "تبحث عن قريب؟", "Looking for a relative?"),
}
