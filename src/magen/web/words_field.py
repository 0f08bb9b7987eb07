"""Words of the field pages (/resident, /responder, /silent) added after the shared table.

Read on weak phones by people who may be hiding or running: short, calm, one action at a time.
"""

from __future__ import annotations

# key -> (he, ar, en); a key may appear in one words module only.
WORDS: dict[str, tuple[str, str, str]] = {
    # A report kept on the phone while offline that the server then refused (an address it
    # could not find): it is put back in its form, never dropped.
    "fd_saved_refused": (
        "דיווח שנשמר בטלפון לא נשלח: {reason} הוא חזר לטופס שלו למטה. בדקו ושלחו שוב.",
        "بلاغ محفوظ في الهاتف لم يُرسل: {reason} أعدناه إلى نموذجه أدناه. تحقق منه وأرسله مجددًا.",
        "A report saved on this phone was not sent: {reason} It is back in its form below."
        " Check it and send again.",
    ),
    # Sending with no place yet: the phone's location is asked first.
    "fd_locating_then_send": (
        "מאתרים את המיקום שלכם ושולחים…",
        "نحدد موقعك ثم نرسل…",
        "Finding your location, then sending…",
    ),
    # The shelter line of the advice, as the server writes it on a page without JavaScript.
    "fd_shelter_walk": (
        "מקלט: {name} · {m} דקות הליכה",
        "ملجأ: {name} · {m} دقائق مشيًا",
        "Shelter: {name} · {m} min walk",
    ),
    # Under the responder's map when it shows only the area around them (and their task).
    "fd_map_around": (
        "מוצג אזור של {km} ק״מ סביבך וסביב המשימה שלך",
        "تُعرض منطقة {km} كم حولك وحول مهمتك",
        "Showing {km} km around you and your task",
    ),
    "fd_map_around_me": (
        "מוצג אזור של {km} ק״מ סביבך",
        "تُعرض منطقة {km} كم حولك",
        "Showing {km} km around you",
    ),
    # The responder's task: what it is sent to.
    "fd_task_sos": ("קריאת SOS", "طلب SOS", "SOS call"),
    "fd_task_track": ("מחבלים", "مسلّحون", "Attackers"),
    "fd_task_incident": ("אירוע", "حادث", "Incident"),
    "fd_task_silent": (
        "SOS שקט: לא להתקשר, להתקרב בשקט",
        "SOS صامت: لا تتصل، اقترب بهدوء",
        "Silent SOS: do not call, approach quietly",
    ),
    # The responder's commands are not kept offline (a status an hour late would mislead):
    # said plainly, never "kept on this phone".
    "fd_not_sent": (
        "אין חיבור: לא נשלח. נסו שוב כשיהיה חיבור.",
        "لا يوجد اتصال: لم يُرسل. حاول مجددًا عند عودة الاتصال.",
        "No connection: not sent. Try again when there is a connection.",
    ),
    # A command the server refused, by its kind (the server's own reason is English).
    "fd_err_invalid": ("הבקשה לא תקינה.", "الطلب غير صالح.", "the request was not valid."),
    "fd_err_forbidden": (
        "אין הרשאה לחשבון הזה.",
        "لا صلاحية لهذا الحساب.",
        "not allowed for this account.",
    ),
    "fd_err_not_found": ("זה כבר לא קיים.", "لم يعد هذا موجودًا.", "it no longer exists."),
    "fd_err_conflict": (
        "מישהו אחר שינה את זה קודם.",
        "غيّره شخص آخر أولًا.",
        "someone else changed it first.",
    ),
    "fd_err_busy": (
        "יותר מדי בקשות; נסו שוב בעוד רגע.",
        "طلبات كثيرة؛ حاول بعد لحظة.",
        "too many requests; try again in a moment.",
    ),
    "fd_err_server": (
        "השרת לא זמין כרגע.",
        "الخادم غير متاح الآن.",
        "the server is not available now.",
    ),
    "fd_err_check_in": (
        "צריך להתייצב למשמרת קודם.",
        "يجب تسجيل الحضور للمناوبة أولًا.",
        "check in for duty first.",
    ),
    # The triage tag, in the medic's language (its colour is the tag's background).
    "fd_cat_immediate": ("דחוף", "فوري", "IMMEDIATE"),
    "fd_cat_delayed": ("נדחה", "مؤجَّل", "DELAYED"),
    "fd_cat_minor": ("קל", "طفيف", "MINOR"),
    "fd_cat_expectant": ("אנוש", "ميؤوس منه", "EXPECTANT"),
    # An alert issued as a drill drives the advice like a real one: the page says so.
    "fd_drill": (
        "תרגיל: זו התרעת תרגול, לא אירוע אמיתי. פעלו לפי ההנחיה כמו בתרגיל.",
        "تمرين: هذا إنذار تدريبي وليس حدثًا حقيقيًا. اتبعوا التعليمات كما في التمرين.",
        "Drill: this is a practice alert, not a real event. Follow the instruction as a drill.",
    ),
    # When the alert in force began, on the town's clock; with several, each names itself.
    "fd_alert_since": ("התרעה מהשעה {t}", "إنذار منذ الساعة {t}", "Alert since {t}"),
    "fd_alert_since_titled": (
        "{title}: מהשעה {t}",
        "{title}: منذ الساعة {t}",
        "{title}: since {t}",
    ),
    # Said only where no ground threat or operator's order holds people in (the server says).
    "fd_alert_until": (
        "ההתרעה בתוקף עד {t}, אלא אם תתקבל הנחיה אחרת.",
        "الإنذار ساري المفعول حتى الساعة {t} ما لم تصدر تعليمات أخرى.",
        "Alert in force until {t} unless told otherwise.",
    ),
    "fd_zoom_in": ("הגדלה", "تكبير", "Zoom in"),
    "fd_zoom_out": ("הקטנה", "تصغير", "Zoom out"),
    # The resident page opened from the copy kept on the phone (no network): said at the top
    # with the time the copy's advice is from, never passed off as current.
    "fd_offline_copy": (
        "אין חיבור: זו ההנחיה מהשעה {t}, ייתכן שאינה עדכנית.",
        "لا يوجد اتصال: هذه التعليمات من الساعة {t}، وقد لا تكون محدّثة.",
        "Offline: this is the advice from {t}, it may be out of date.",
    ),
    # The same for a kept page with no advice on it (no place chosen, the silent SOS page).
    "fd_offline_copy_page": (
        "אין חיבור: זה הדף מהשעה {t}, ייתכן שאינו עדכני.",
        "لا يوجد اتصال: هذه الصفحة من الساعة {t}، وقد لا تكون محدّثة.",
        "Offline: this is the page from {t}, it may be out of date.",
    ),
    # The connection came back while a kept copy is on the screen (a link that reloads it).
    "fd_offline_copy_back": (
        "החיבור חזר. הדף הזה מהשעה {t}: לחצו כאן לטעינת ההנחיה העדכנית.",
        "عاد الاتصال. هذه الصفحة من الساعة {t}: انقر هنا لتحميل أحدث التعليمات.",
        "The connection is back. This page is from {t}: tap here for the current advice.",
    ),
    # An SOS from a place outside the town's alert zones: recorded all the same (never
    # refused), but said plainly that this service's forces may not be the ones to come.
    "fd_sos_outside_town": (
        "ה-SOS נרשם ({t}), אבל המקום הזה מחוץ לאזור שהשירות הזה מכסה ({town}). התקשרו עכשיו"
        " למשטרה: {numbers}",
        "سُجّل طلب SOS ({t})، لكن هذا المكان خارج المنطقة التي تغطيها هذه الخدمة ({town})."
        " اتصل بالشرطة الآن: {numbers}",
        "Your SOS was recorded ({t}), but this place is outside the area this service covers"
        " ({town}). Call the police now: {numbers}",
    ),
    # The alerts in force in the town, shown on the resident page before any location is
    # given: about the town, never "here".
    "fd_town_alerts_title": (
        "התרעות בתוקף באזור {town}",
        "إنذارات سارية في منطقة {town}",
        "Alerts in force in {town}",
    ),
    "fd_town_alert_line": (
        "{title} · {zones} · מהשעה {t}",
        "{title} · {zones} · منذ الساعة {t}",
        "{title} · {zones} · since {t}",
    ),
    "fd_town_alert_drill": ("תרגיל", "تمرين", "Drill"),
    # Some zones by name, and how many more.
    "fd_zones_more": ("{names} ועוד {n}", "{names} و{n} أخرى", "{names} and {n} more"),
    "fd_town_alert_where": (
        "כדי לדעת אם זה נוגע אליכם ומה לעשות במקום שבו אתם נמצאים, תנו מיקום למטה.",
        "لمعرفة إن كان هذا يخصك وما يجب فعله حيث أنت، أعطِ موقعًا أدناه.",
        "To know whether this is where you are and what to do there, give a location below.",
    ),
    # "I am safe" with no open call for help.
    "fd_safe_registry": (
        "אין לכם קריאה לעזרה פתוחה. לחיצה כאן רושמת במאגר הנעדרים שאתם בטוחים, כדי שבני משפחה"
        " שמחפשים אתכם יידעו.",
        "ليس لديكم طلب مساعدة مفتوح. الضغط هنا يسجّل في سجل المفقودين أنكم بأمان، ليعرف ذلك"
        " أفراد العائلة الذين يبحثون عنكم.",
        "You have no open call for help. Pressing this tells the missing-persons registry that"
        " you are safe, so that family looking for you can be told.",
    ),
    "fd_safe_registered": (
        "כבר רשמתם במאגר הנעדרים שאתם בטוחים.",
        "سجّلتم من قبل في سجل المفقودين أنكم بأمان.",
        "You have already told the missing-persons registry that you are safe.",
    ),
    # After "no open call" (safe_none): what "I am safe" can do for someone not signed in.
    "fd_safe_anonymous": (
        "כדי לרשום במאגר הנעדרים שאתם בטוחים, כדי שבני משפחה שמחפשים אתכם יידעו, צריך להיכנס"
        " לחשבון.",
        "لتسجيل أنكم بأمان في سجل المفقودين، ليعرف ذلك أفراد العائلة الذين يبحثون عنكم، يجب"
        " تسجيل الدخول.",
        "To tell the missing-persons registry that you are safe, so that family looking for you"
        " can be told, sign in.",
    ),
    "fd_safe_sign_in": (
        "כניסה לחשבון",
        "تسجيل الدخول",
        "Sign in",
    ),
    "fd_safe_sign_up": (
        "אין לכם חשבון? פתיחת חשבון",
        "ليس لديك حساب؟ أنشئ حسابًا",
        "No account? Create one",
    ),
}
