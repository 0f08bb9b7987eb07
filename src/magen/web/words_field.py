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
    # Above the responder's map: the attackers as the picture has them, in one line. A group
    # not reported for a while is said as "not seen recently (may still be there)", never as
    # gone; "none" is said of the area the map shows, never of the town when it shows less.
    "fd_threats_active": (
        "קבוצות מחבלים פעילות: {n}",
        "مجموعات مسلحين نشطة: {n}",
        "Active attacker groups: {n}",
    ),
    "fd_threats_nearest": (
        "הקרובה {d} מ׳ ממך, נראתה ב-{t}",
        "الأقرب على بعد {d} م منك، شوهدت الساعة {t}",
        "nearest {d} m from you, seen at {t}",
    ),
    "fd_threats_latest": (
        "דיווח אחרון ב-{t}",
        "آخر بلاغ الساعة {t}",
        "last report at {t}",
    ),
    "fd_threats_quiet": (
        "לא נראו לאחרונה (ייתכן שעדיין שם): {n}",
        "لم تُشاهَد مؤخرًا (قد تكون ما زالت هناك): {n}",
        "Not seen recently (may still be there): {n}",
    ),
    "fd_threats_none": (
        "לא דווחו מחבלים כרגע.",
        "لم يُبلَّغ عن مسلحين الآن.",
        "No attackers reported now.",
    ),
    "fd_threats_none_near": (
        "לא דווחו מחבלים ב-{km} ק״מ סביבך.",
        "لم يُبلَّغ عن مسلحين ضمن {km} كم حولك.",
        "No attackers reported within {km} km of you.",
    ),
    # The key under the responder's map.
    "fd_key_attackers": ("מחבלים", "مسلحون", "attackers"),
    "fd_key_quiet": ("לא נראו לאחרונה", "لم تُشاهَد مؤخرًا", "not seen recently"),
    "fd_key_danger": ("אזור סכנה", "منطقة خطر", "danger area"),
    "fd_key_shelter": ("מקלט", "ملجأ", "shelter"),
    "fd_key_me": ("את/ה", "أنت", "you"),
    "fd_map_around_me": (
        "מוצג אזור של {km} ק״מ סביבך",
        "تُعرض منطقة {km} كم حولك",
        "Showing {km} km around you",
    ),
    # The responder's task: what it is sent to.
    "fd_task_sos": ("קריאת SOS", "طلب SOS", "SOS call"),
    "fd_task_track": ("מחבלים", "مسلّحون", "Attackers"),
    "fd_task_incident": ("אירוע", "حادث", "Incident"),
    "fd_task_responder": ("כוח פצוע", "عنصر مصاب", "Wounded responder"),
    # My task's call has closed (or left the map): no place to go and no route; dispatch says.
    "fd_task_closed": (
        "הקריאה הזאת נסגרה ואינה עוד על המפה: פנו למוקד.",
        "هذا البلاغ أُغلق ولم يعد على الخريطة: راجع غرفة العمليات.",
        "This call has closed and is no longer on the map: ask dispatch.",
    ),
    "fd_task_closed_place": (
        "המקום האחרון הידוע שלה מסומן במפה.",
        "آخر مكان معروف له مُعلَّم على الخريطة.",
        "Its last known place is marked on the map.",
    ),
    "fd_task_silent": (
        "SOS שקט: לא להתקשר, להתקרב בשקט",
        "SOS صامت: لا تتصل، اقترب بهدوء",
        "Silent SOS: do not call, approach quietly",
    ),
    # The responder's other commands (a task step, a call-up answer, a casualty's care) are
    # not kept offline: said plainly, never "kept on this phone". Statuses and sightings are
    # (fd_outbox_*): each says when it was pressed, so a late one never overrides a newer one.
    "fd_not_sent": (
        "אין חיבור: לא נשלח. נסו שוב כשיהיה חיבור.",
        "لا يوجد اتصال: لم يُرسل. حاول مجددًا عند عودة الاتصال.",
        "No connection: not sent. Try again when there is a connection.",
    ),
    # A status or sighting pressed with no connection: kept on the phone (responder.js's
    # outbox), sent in the order pressed when the connection returns.
    "fd_outbox_kept": (
        "אין חיבור: נשמר בטלפון ויישלח כשהחיבור יחזור.",
        "لا يوجد اتصال: محفوظ في الهاتف وسيُرسل عند عودة الاتصال.",
        "No connection: kept on this phone, sent when the connection returns.",
    ),
    "fd_outbox_waiting": (
        "ממתינים לשליחה: {n}",
        "بانتظار الإرسال: {n}",
        "Waiting to send: {n}",
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
    # --- the responder's casualty card: after the tag, the care, the description, the ride.
    # The record step answers beside its button (the page's top line is off-screen there).
    "fd_cc_recorded": ("נרשם: {tag} · {t}", "سُجّل: {tag} · {t}", "Recorded: {tag} · {t}"),
    "fd_cc_title": ("נפגע {tag}", "المصاب {tag}", "Casualty {tag}"),
    "fd_cc_mine": (
        "הנפגעים שלי שעדיין בזירה",
        "مصابون سجّلتهم وما زالوا في الموقع",
        "My casualties still at the scene",
    ),
    "fd_cc_done": ("נרשם: {what} · {t}", "سُجّل: {what} · {t}", "Recorded: {what} · {t}"),
    "fd_cc_tq_now": ("חוסם עורקים עכשיו", "عاصبة الآن", "Tourniquet now"),
    "fd_cc_tq_since": (
        "חוסם עורקים · {site} · מאז {t} ({m} דק׳)",
        "عاصبة · {site} · منذ {t} ({m} د)",
        "Tourniquet · {site} · on since {t} ({m} min)",
    ),
    "fd_cc_tq_short": ("חוסם {m} דק׳", "عاصبة {m} د", "tourniquet {m} min"),
    # Taking a tourniquet off: one tap, then a confirmation naming the limb.
    "fd_cc_tq_off": ("הסרת חוסם", "إزالة العاصبة", "Tourniquet off"),
    "fd_cc_tq_off_confirm": (
        "לאשר הסרת חוסם · {site}",
        "تأكيد إزالة العاصبة · {site}",
        "Confirm tourniquet off · {site}",
    ),
    "fd_cc_tq_was": (
        "חוסם עורקים · {site} · הונח {t}, הוסר {off}",
        "عاصبة · {site} · وُضعت {t}، أُزيلت {off}",
        "Tourniquet · {site} · on {t}, off {off}",
    ),
    "fd_cc_cancel": ("ביטול", "إلغاء", "Cancel"),
    # A medic pronouncing death at the scene: two presses, the first says the time recorded.
    "fd_cc_death": ("קביעת מוות", "إعلان الوفاة", "Death"),
    "fd_cc_death_record": ("רישום מוות", "تسجيل الوفاة", "Record death"),
    "fd_cc_death_confirm": (
        "לאשר: מוות בשעה {t}",
        "تأكيد: الوفاة الساعة {t}",
        "Confirm: death at {t}",
    ),
    "fd_cc_death_done": ("נרשם מוות · {t}", "سُجّلت الوفاة · {t}", "Death recorded · {t}"),
    "fd_cc_site_left_arm": ("יד שמאל", "الذراع اليسرى", "Left arm"),
    "fd_cc_site_right_arm": ("יד ימין", "الذراع اليمنى", "Right arm"),
    "fd_cc_site_left_leg": ("רגל שמאל", "الساق اليسرى", "Left leg"),
    "fd_cc_site_right_leg": ("רגל ימין", "الساق اليمنى", "Right leg"),
    "fd_cc_site_pelvis_junctional": ("מפשעה / בית שחי", "الأربية / الإبط", "Groin / armpit"),
    "fd_cc_treat": ("טיפול שניתן", "العلاج المُعطى", "Treatment given"),
    "fd_cc_more": ("טיפולים נוספים", "علاجات أخرى", "More treatments"),
    "fd_cc_iv_tourniquet": ("חוסם עורקים", "عاصبة", "Tourniquet"),
    "fd_cc_iv_pressure_dressing": ("תחבושת לחץ", "ضماد ضاغط", "Pressure dressing"),
    "fd_cc_iv_wound_packing": ("מילוי פצע", "حشو الجرح", "Wound packing"),
    "fd_cc_iv_chest_seal": ("חבישה אוטמת לחזה", "لاصق صدري محكم", "Chest seal"),
    "fd_cc_iv_needle_decompression": (
        "ניקוז חזה במחט",
        "تخفيف ضغط الصدر بالإبرة",
        "Needle decompression",
    ),
    "fd_cc_iv_airway_opened": ("פתיחת נתיב אוויר", "فتح مجرى الهواء", "Airway opened"),
    "fd_cc_iv_airway_adjunct": ("מנתב אוויר", "أنبوب هوائي", "Airway adjunct"),
    "fd_cc_iv_recovery_position": ("תנוחת התאוששות", "وضعية الإفاقة", "Recovery position"),
    "fd_cc_iv_hypothermia_prevention": (
        "מניעת היפותרמיה",
        "منع انخفاض الحرارة",
        "Hypothermia prevention",
    ),
    "fd_cc_iv_tranexamic_acid": ("הקסקפרון (TXA)", "ترانيكساميك (TXA)", "TXA"),
    "fd_cc_iv_rescue_breaths": ("הנשמות", "أنفاس إنقاذ", "Rescue breaths"),
    "fd_cc_iv_cpr": ("החייאה", "إنعاش قلبي رئوي", "CPR"),
    "fd_cc_iv_oxygen": ("חמצן", "أكسجين", "Oxygen"),
    "fd_cc_iv_iv_access": ("פתיחת וריד", "خط وريدي", "IV access"),
    "fd_cc_iv_analgesia": ("שיכוך כאבים", "مسكّن ألم", "Pain relief"),
    "fd_cc_iv_splint": ("קיבוע", "جبيرة", "Splint"),
    "fd_cc_iv_burn_dressing": ("חבישת כוויה", "ضماد حروق", "Burn dressing"),
    "fd_cc_iv_other": ("אחר", "أخرى", "Other"),
    # The description is what lets a family find a casualty who cannot say their name.
    "fd_cc_describe": ("תיאור לזיהוי", "وصف للتعرّف عليه", "Description, to identify"),
    "fd_cc_describe_hint": (
        "לא חובה. כך משפחה יכולה למצוא נפגע בלי שם.",
        "اختياري. هكذا تجد العائلة مصابًا بلا اسم.",
        "Optional. It lets a family find a casualty with no name.",
    ),
    "fd_cc_sex": ("מין", "الجنس", "Sex"),
    "fd_cc_sex_female": ("נקבה", "أنثى", "Female"),
    "fd_cc_sex_male": ("זכר", "ذكر", "Male"),
    "fd_cc_age": ("גיל משוער", "العمر التقريبي", "Age, about"),
    "fd_cc_build": ("מבנה גוף", "البنية", "Build"),
    "fd_cc_build_slight": ("רזה", "نحيل", "Slight"),
    "fd_cc_build_medium": ("בינוני", "متوسط", "Medium"),
    "fd_cc_build_heavy": ("מלא", "ممتلئ", "Heavy"),
    "fd_cc_unknown": ("לא ידוע", "غير معروف", "Not known"),
    "fd_cc_hair": ("שיער", "الشعر", "Hair"),
    "fd_cc_clothing": ("לבוש", "الملابس", "Clothing"),
    "fd_cc_marks": (
        "סימנים (קעקוע, צלקת, תכשיט)",
        "علامات (وشم، ندبة، حُلي)",
        "Marks (tattoo, scar, jewellery)",
    ),
    "fd_cc_name": ("שם, אם ידוע", "الاسم إن كان معروفًا", "Name, if known"),
    "fd_cc_describe_save": ("שמירת התיאור", "حفظ الوصف", "Save the description"),
    "fd_cc_described": ("התיאור נשמר · {t}", "حُفظ الوصف · {t}", "Description saved · {t}"),
    "fd_cc_describe_empty": (
        "לא נכתב כלום. מלאו לפחות שדה אחד.",
        "لم يُكتب شيء. املأ حقلًا واحدًا على الأقل.",
        "Nothing is filled in. Fill in at least one field.",
    ),
    # The ride to hospital: the vehicle, and a destination from the ranked hospitals.
    "fd_cc_evacuate": ("פינוי לבית חולים", "الإخلاء إلى مستشفى", "Evacuate to hospital"),
    "fd_cc_vehicle_kind": ("רכב", "المركبة", "Vehicle"),
    "fd_cc_vehicle": ("מספר רכב / אות קריאה", "رقم المركبة / النداء", "Vehicle no. / call sign"),
    "fd_cc_vk_ambulance": ("אמבולנס", "سيارة إسعاف", "Ambulance"),
    "fd_cc_vk_intensive_care_ambulance": ("נט״ן", "إسعاف عناية مركّزة", "Intensive care ambulance"),
    "fd_cc_vk_private_car": ("רכב פרטי", "سيارة خاصة", "Private car"),
    "fd_cc_vk_police": ("ניידת משטרה", "سيارة شرطة", "Police car"),
    "fd_cc_vk_military": ("רכב צבאי", "مركبة عسكرية", "Military vehicle"),
    "fd_cc_vk_helicopter": ("מסוק", "مروحية", "Helicopter"),
    "fd_cc_vk_other": ("אחר", "أخرى", "Other"),
    "fd_cc_send_to": ("פינוי אל: {name}", "إخلاء إلى: {name}", "Send to: {name}"),
    "fd_cc_recommended": ("מומלץ", "الأنسب", "Recommended"),
    "fd_cc_not_offered": (
        "{name}: {why}, לא מוצע",
        "{name}: {why}، غير مقترح",
        "{name}: {why}, not offered",
    ),
    # Why a hospital is not offered, by its code (hospitals.EXCLUSION_CODES).
    "fd_cc_x_no_route": ("אין דרך להגיע", "لا طريق إليه", "no route there"),
    "fd_cc_x_facility_closed": ("בית החולים סגור", "المستشفى مغلق", "hospital closed"),
    "fd_cc_x_facility_evacuating": ("בית החולים מתפנה", "المستشفى يُخلى", "being evacuated"),
    "fd_cc_x_closed_to_ambulances": (
        "סגור לאמבולנסים",
        "مغلق أمام الإسعاف",
        "closed to ambulances",
    ),
    "fd_cc_x_no_emergency_department": ("אין חדר מיון", "لا قسم طوارئ", "no emergency department"),
    "fd_cc_x_quarantine": ("בהסגר", "في حجر صحي", "under quarantine"),
    "fd_cc_x_other": ("לא זמין", "غير متاح", "not available"),
    "fd_cc_finding": ("מחפשים בית חולים…", "نبحث عن مستشفى…", "Finding hospitals…"),
    "fd_cc_no_hospital": (
        "אין בית חולים זמין מכאן.",
        "لا مستشفى متاحًا من هنا.",
        "No hospital is available from here.",
    ),
    "fd_cc_no_place": (
        "אין מיקום, אי אפשר לדרג בתי חולים.",
        "لا موقع، لا يمكن ترتيب المستشفيات.",
        "No location: hospitals cannot be ranked.",
    ),
    # No GPS fix yet: every hospital by name (unranked), with what its status says.
    "fd_cc_unranked": (
        "אין עדיין מיקום: בתי החולים לפי שם, בלי דירוג. הרשימה תדורג כשיתקבל מיקום.",
        "لا موقع بعد: المستشفيات حسب الاسم، دون ترتيب. ستُرتَّب القائمة عند وصول الموقع.",
        "No location yet: hospitals by name, not ranked. The list is ranked when a location comes.",
    ),
    "fd_cc_no_destination": (
        "פינוי בלי יעד (המוקד יקבע)",
        "إخلاء بلا وجهة (يحدّدها المركز)",
        "Evacuate, no destination (dispatch decides)",
    ),
    "fd_cc_on_way": (
        "בדרך אל {name} · {t}",
        "في الطريق إلى {name} · {t}",
        "On the way to {name} · {t}",
    ),
    "fd_cc_evacuated": ("פונה · {t}", "أُخلي · {t}", "Evacuated · {t}"),
    "fd_cc_sending": ("שולחים…", "نرسل…", "Sending…"),
    # Why a hospital ranks where it does, by its code (hospitals.DESTINATION_REASON_CODES):
    # {m} minutes, {n} places, {w} patients on the way.
    "fd_cc_r_away": ("{m} דק׳ נסיעה", "{m} د بالسيارة", "{m} min drive"),
    "fd_cc_r_away_straight_line": (
        "כ־{m} דק׳ נסיעה (לפי קו אווירי)",
        "نحو {m} د بالسيارة (بخط مستقيم)",
        "about {m} min drive (straight line)",
    ),
    "fd_cc_r_slots_left": ("{n} מקומות פנויים", "{n} أماكن شاغرة", "{n} places free"),
    "fd_cc_r_beds_free": ("{n} מיטות פנויות", "{n} أسرّة شاغرة", "{n} beds free"),
    "fd_cc_r_over_capacity": (
        "אין מקום: {n} מקומות, {w} בדרך",
        "لا مكان: {n} أماكن، {w} في الطريق",
        "no room: {n} places, {w} on the way",
    ),
    "fd_cc_r_clinical_full": ("דיווח: מלא", "أبلغ أنه ممتلئ", "reports full"),
    "fd_cc_r_capacity_unknown": ("לא דווחו מקומות", "لم تُبلَّغ الأماكن", "places not reported"),
    "fd_cc_r_no_status": ("אין דיווח מצב", "لا تقرير عن الحالة", "no status report"),
    "fd_cc_r_stale_status": ("דיווח מלפני {m} דק׳", "تقرير منذ {m} د", "status {m} min old"),
    "fd_cc_r_ems_advisory": ("אזהרה לאמבולנסים", "تنبيه لسيارات الإسعاف", "ambulance advisory"),
    "fd_cc_r_offload": ("המתנה לפריקה {m} דק׳", "انتظار التسليم {m} د", "offload wait {m} min"),
    "fd_cc_r_facility_compromised": ("המתקן נפגע", "المنشأة متضررة", "facility damaged"),
    "fd_cc_r_lockdown": ("בסגר ביטחוני", "في إغلاق أمني", "in lockdown"),
    "fd_cc_r_short_staffed": ("חוסר בצוות", "نقص في الطاقم", "short of staff"),
    "fd_cc_r_not_trauma_centre": ("לא מרכז טראומה", "ليس مركز إصابات", "not a trauma centre"),
    "fd_cc_r_not_paediatric": ("אין שירות לילדים", "لا خدمة للأطفال", "no children's service"),
    # --- triage: a count checked on the phone, a refused step kept on screen (audit 6) -------
    "fd_triage_count_range": (
        "מספר שלם בין {min} ל־{max}.",
        "عدد صحيح من {min} إلى {max}.",
        "A whole number from {min} to {max}.",
    ),
    "fd_triage_retry": ("לנסות שוב", "حاول مجددًا", "Try again"),
    # --- a call for help already open on this phone: the form changes it (audit 16) ---------
    "fd_sos_open_update": (
        "יש לכם קריאת SOS פתוחה. שליחה נוספת תעדכן אותה, לא תפתח קריאה חדשה.",
        "لديكم نداء SOS مفتوح. الإرسال مرة أخرى يحدّثه ولا يفتح نداءً جديدًا.",
        "You have an open SOS. Sending again updates it; it does not raise a new one.",
    ),
    "fd_sos_update_button": ("עדכון ה-SOS שלי", "تحديث نداء SOS", "Update my SOS"),
    "fd_sos_updated": (
        "ה-SOS עודכן ({t}). אנשים: {people}, פצועים: {injured}, ילדים: {children}.",
        "تم تحديث SOS ({t}). الأشخاص: {people}، المصابون: {injured}، الأطفال: {children}.",
        "SOS updated ({t}). People: {people}, injured: {injured}, children: {children}.",
    ),
    "fd_sos_unchanged": (
        "ה-SOS שלכם פתוח, ללא שינוי. אנשים: {people}, פצועים: {injured}, ילדים: {children}.",
        "نداء SOS مفتوح، دون تغيير. الأشخاص: {people}، المصابون: {injured}، الأطفال: {children}.",
        "Your SOS is open, unchanged. People: {people}, injured: {injured}, children: {children}.",
    ),
    "fd_sos_cancel_button": (
        "ביטול ה-SOS (נשלח בטעות)",
        "إلغاء SOS (أُرسل بالخطأ)",
        "Cancel my SOS (sent by mistake)",
    ),
    "fd_sos_cancel_intro": (
        "נשלח בטעות? ביטול סוגר את הקריאה. אם אתם בסכנה, אל תבטלו.",
        "أُرسل بالخطأ؟ الإلغاء يغلق النداء. إن كنتم في خطر فلا تلغوا.",
        "Sent by mistake? Cancelling closes the call. If you are in danger, do not cancel.",
    ),
    "fd_sos_cancelled": (
        "ה-SOS בוטל. אם תזדקקו לעזרה, שלחו שוב.",
        "أُلغي نداء SOS. إن احتجتم مساعدة فأرسلوا مجددًا.",
        "Your SOS is cancelled. If you need help, send again.",
    ),
    # A cancel naming a call that is no longer open (closed by the dispatcher, or never raised):
    # nothing else is closed in its place.
    "fd_sos_already_closed": (
        "קריאת ה-SOS הזו כבר סגורה. שום קריאה אחרת לא בוטלה.",
        "نداء SOS هذا مُغلق أصلًا. لم يُلغَ أي نداء آخر.",
        "That SOS is already closed. No other call was cancelled.",
    ),
    # Under the silent page's location: the address nearest to the point sent.
    "fd_near_address": ("ליד: {place}", "بالقرب من: {place}", "Near: {place}"),
}
