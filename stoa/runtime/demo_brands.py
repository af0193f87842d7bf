"""The six brands of `stoa demo`, each in its own language: what they post, what their followers write, how they
answer. Plain data; stoa/runtime/demo.py makes the year of it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Brand:
    name: str
    slug: str
    timezone: str
    language: str
    themes: tuple[str, ...]  # Monday..Sunday
    informational: tuple[str, ...]
    selling: tuple[str, ...]
    # What followers write, by (sentiment, intent).
    messages: dict[tuple[str, str], tuple[str, ...]]
    replies: tuple[str, ...]
    people: tuple[str, ...]
    campaigns: tuple[str, ...]
    site: str


BRANDS = (
    Brand(
        name="קפה יפו", slug="kafe-yafo", timezone="Asia/Jerusalem", language="he",
        themes=("יום שני של מתכונים", "מאחורי הדלפק", "קפה ומדע", "תפריט של חמישי", "שישי בשוק", "שבת שלום",
                "ראשון של שכונה"),
        informational=("איך מכינים קפה קר בבית בשלושה צעדים", "הפולים שלנו השבוע מגיעים מאתיופיה",
                       "למה החלב משנה את טעם הקפוצ'ינו", "הכירו את נועה, הבריסטה החדשה שלנו",
                       "שעות הפתיחה בחג", "ההיסטוריה של בתי הקפה ביפו"),
        selling=("שני קפה במחיר אחד עד הצהריים", "מארז פולים לבית: 15% הנחה השבוע", "עוגת גבינה חדשה בתפריט",
                 "הזמינו שולחן לארוחת בוקר של שישי", "כרטיס מתנה לחג"),
        messages={
            ("positive", "praise"): ("הקפה הכי טוב ביפו!", "תודה על הבוקר המקסים", "הצוות שלכם מדהים"),
            ("neutral", "question"): ("אתם פתוחים בשבת?", "יש לכם חלב שיבולת שועל?", "אפשר להזמין מקום לשמונה?"),
            ("neutral", "lead"): ("כמה עולה מארז הפולים?", "אתם עושים קייטרינג לאירועים?"),
            ("negative", "complaint"): ("חיכיתי חצי שעה לקפה", "הקרואסון היה יבש היום", "המוזיקה חזקה מדי"),
            ("negative", "spam"): ("זכית בפרס! לחץ כאן", ),
        },
        replies=("תודה רבה! נשמח לראותך שוב", "כן, פתוחים עד 16:00", "מצטערים מאוד, נשמח לפצות בביקור הבא",
                 "שלחנו לך הודעה פרטית עם הפרטים"),
        people=("נועה", "איתי", "מאיה", "יונתן", "שירה", "עומר", "טל", "דניאל"),
        campaigns=("חורף-חם", "מארז-פולים", "בוקר-שישי"), site="https://kafe-yafo.example"),
    Brand(
        name="مخبز بيروت", slug="makhbaz-beirut", timezone="Asia/Beirut", language="ar",
        themes=("إثنين المعجنات", "من داخل المخبز", "وصفة الأربعاء", "خميس الزعتر", "جمعة العائلة",
                "سبت الحلويات", "أحد الفطور"),
        informational=("سر المنقوشة الطرية: العجين يرتاح ليلة كاملة", "زعترنا يأتي من جبال الشوف",
                       "تعرفوا على أبو سامي، خبازنا منذ ثلاثين سنة", "كيف تحفظون الخبز طازجاً لأيام",
                       "ساعات العمل في العيد", "قصة الكعك البيروتي"),
        selling=("منقوشتان بسعر واحدة كل صباح أحد", "علبة معمول للعيد: اطلبوها الآن", "فطور العائلة بخصم 20٪",
                 "توصيل مجاني داخل بيروت هذا الأسبوع", "كعك بالسمسم طازج من الفرن"),
        messages={
            ("positive", "praise"): ("أطيب منقوشة في بيروت!", "شكراً على الخدمة الرائعة", "الكعك لا يعلى عليه"),
            ("neutral", "question"): ("هل أنتم مفتوحون يوم الأحد؟", "هل عندكم خبز بدون غلوتين؟",
                                      "أين فرعكم في الأشرفية؟"),
            ("neutral", "lead"): ("كم سعر علبة المعمول الكبيرة؟", "هل توصلون إلى الحمرا؟"),
            ("negative", "complaint"): ("الطلب وصل بارداً", "انتظرت ساعة ولم يصل التوصيل", "السعر ارتفع كثيراً"),
            ("negative", "spam"): ("اربح هاتفاً مجاناً، اضغط هنا", ),
        },
        replies=("شكراً لكم! بانتظاركم دائماً", "نعم، مفتوحون من السادسة صباحاً", "نعتذر جداً، سنعوضكم",
                 "أرسلنا لكم رسالة خاصة بالتفاصيل"),
        people=("ريم", "سامي", "نور", "كريم", "لينا", "جاد", "مايا", "هادي"),
        campaigns=("معمول-العيد", "فطور-العائلة", "توصيل-مجاني"), site="https://makhbaz-beirut.example"),
    Brand(
        name="کتاب‌فروشی تهران", slug="ketab-tehran", timezone="Asia/Tehran", language="fa",
        themes=("دوشنبه شعر", "پشت قفسه‌ها", "کتاب هفته", "پنجشنبه داستان", "جمعه کودکان", "شنبه نقد",
                "یکشنبه ترجمه"),
        informational=("معرفی کتاب هفته: بوف کور صادق هدایت", "چطور برای کودکان کتاب انتخاب کنیم",
                       "تاریخچه کتاب‌فروشی‌های خیابان انقلاب", "گفتگو با مترجم تازه‌کار ما",
                       "ساعت کار در روزهای تعطیل", "پنج رمان کوتاه برای یک عصر پاییزی"),
        selling=("تخفیف ۲۰ درصدی کتاب‌های شعر", "بسته کتاب کودک با ارسال رایگان", "پیش‌فروش دیوان حافظ نفیس",
                 "کارت هدیه برای شب یلدا", "حراج کتاب‌های دست‌دوم"),
        messages={
            ("positive", "praise"): ("بهترین کتاب‌فروشی تهران!", "ممنون از پیشنهادهای عالی‌تان",
                                     "فضای مغازه فوق‌العاده است"),
            ("neutral", "question"): ("جمعه‌ها باز هستید؟", "این کتاب را موجود دارید؟", "ارسال به شیراز دارید؟"),
            ("neutral", "lead"): ("قیمت دیوان حافظ نفیس چقدر است؟", "برای مدرسه خرید عمده دارید؟"),
            ("negative", "complaint"): ("سفارشم دو هفته است نرسیده", "کتاب صفحه‌هایش پاره بود",
                                        "کسی تلفن را جواب نمی‌دهد"),
            ("negative", "spam"): ("برنده جایزه شدید، اینجا کلیک کنید", ),
        },
        replies=("سپاس از لطف شما!", "بله، جمعه‌ها از ساعت ۱۰ باز هستیم", "پوزش می‌خواهیم، پیگیری می‌کنیم",
                 "جزئیات را در پیام خصوصی فرستادیم"),
        people=("سارا", "علی", "مریم", "رضا", "نازنین", "امید", "لیلا", "بهرام"),
        campaigns=("شب-یلدا", "کتاب-کودک", "حراج-پاییز"), site="https://ketab-tehran.example"),
    Brand(
        name="Ταβέρνα Θεσσαλονίκη", slug="taverna-thessaloniki", timezone="Europe/Athens", language="el",
        themes=("Δευτέρα συνταγής", "Πίσω από την κουζίνα", "Τετάρτη κρασιού", "Πέμπτη μεζέδων",
                "Παρασκευή μουσικής", "Σάββατο οικογένειας", "Κυριακή ψαριού"),
        informational=("Πώς φτιάχνουμε τον μουσακά της γιαγιάς", "Τα λαχανικά μας έρχονται από τη Χαλκιδική",
                       "Γνωρίστε τον Νίκο, τον μάγειρά μας", "Η ιστορία των Λαδάδικων",
                       "Ωράριο γιορτών", "Πέντε κρασιά της Μακεδονίας"),
        selling=("Μενού για δύο με 25 ευρώ", "Ζωντανή μουσική την Παρασκευή: κλείστε τραπέζι",
                 "Κρασί της εβδομάδας με έκπτωση", "Δωροκάρτα για τις γιορτές",
                 "Κυριακάτικο ψάρι για όλη την οικογένεια"),
        messages={
            ("positive", "praise"): ("Το καλύτερο φαγητό στη Θεσσαλονίκη!", "Ευχαριστούμε για τη βραδιά",
                                     "Υπέροχη εξυπηρέτηση"),
            ("neutral", "question"): ("Είστε ανοιχτά την Κυριακή;", "Έχετε χορτοφαγικά πιάτα;",
                                      "Μπορώ να κλείσω για δέκα άτομα;"),
            ("neutral", "lead"): ("Πόσο κοστίζει το μενού για ομάδες;", "Κάνετε catering για γάμους;"),
            ("negative", "complaint"): ("Περιμέναμε μία ώρα", "Το ψάρι ήταν κρύο", "Πολύ ακριβό για αυτό που ήταν"),
            ("negative", "spam"): ("Κερδίσατε δώρο, πατήστε εδώ", ),
        },
        replies=("Ευχαριστούμε πολύ! Σας περιμένουμε ξανά", "Ναι, ανοιχτά από τις 12:00",
                 "Λυπούμαστε πολύ, θα το διορθώσουμε", "Σας στείλαμε μήνυμα με τις λεπτομέρειες"),
        people=("Μαρία", "Νίκος", "Ελένη", "Γιώργος", "Κατερίνα", "Δημήτρης", "Σοφία", "Άννα"),
        campaigns=("μενού-για-δύο", "ζωντανή-μουσική", "γιορτές"), site="https://taverna-thessaloniki.example"),
    Brand(
        name="Обжарщики Петербурга", slug="obzharka-spb", timezone="Europe/Moscow", language="ru",
        themes=("Понедельник рецептов", "За кулисами обжарки", "Среда дегустации", "Четверг происхождения",
                "Пятничный эспрессо", "Субботний завтрак", "Воскресная воронка"),
        informational=("Как заварить кофе в воронке: пять шагов", "Новый лот из Колумбии: вкус и история",
                       "Почему свежая обжарка важна", "Знакомьтесь: Аня, наш обжарщик",
                       "График работы в праздники", "Чем отличается арабика от робусты"),
        selling=("Скидка 15 % на подписку на кофе", "Новый лот Эфиопия в продаже", "Бесплатная доставка по городу",
                 "Подарочный набор к Новому году", "Курс бариста: запись открыта"),
        messages={
            ("positive", "praise"): ("Лучший кофе в Петербурге!", "Спасибо за отличный лот", "Очень вежливые бариста"),
            ("neutral", "question"): ("Вы работаете в воскресенье?", "Есть ли кофе без кофеина?",
                                      "Доставляете в Пушкин?"),
            ("neutral", "lead"): ("Сколько стоит подписка на месяц?", "Поставляете зерно в кафе оптом?"),
            ("negative", "complaint"): ("Посылка пришла через неделю", "Кофе пережарен", "Никто не отвечает в чате"),
            ("negative", "spam"): ("Вы выиграли приз, перейдите по ссылке", ),
        },
        replies=("Спасибо! Ждём вас снова", "Да, работаем с 9 до 21", "Простите нас, разберёмся и компенсируем",
                 "Написали вам в личные сообщения"),
        people=("Аня", "Дмитрий", "Ольга", "Сергей", "Наталья", "Иван", "Елена", "Павел"),
        campaigns=("подписка", "новый-год", "курс-бариста"), site="https://obzharka-spb.example"),
    Brand(
        name="Breathe Yoga London", slug="breathe-yoga-london", timezone="Europe/London", language="en",
        themes=("Mindful Monday", "Teacher Tuesday", "Wellness Wednesday", "Technique Thursday", "Flow Friday",
                "Studio Saturday", "Slow Sunday"),
        informational=("Three breathing exercises for a busy morning", "Meet Priya, our new Yin teacher",
                       "Why warming up protects your back", "What to bring to your first class",
                       "Holiday timetable", "The history of Hatha yoga in five minutes"),
        selling=("Intro offer: two weeks unlimited for 30 pounds", "New evening Vinyasa class: book now",
                 "Gift cards for the holidays", "Weekend retreat in the Cotswolds: early bird",
                 "Annual membership 20 % off this week"),
        messages={
            ("positive", "praise"): ("Best class I've had in London!", "Thank you for a lovely session",
                                     "Priya is amazing"),
            ("neutral", "question"): ("Are you open on Sundays?", "Do you have mats to borrow?",
                                      "Is the beginners' class suitable during pregnancy?"),
            ("neutral", "lead"): ("How much is the annual membership?", "Do you run corporate classes?"),
            ("negative", "complaint"): ("The class was overbooked", "The studio was cold today",
                                        "I was charged twice"),
            ("negative", "spam"): ("You won a prize, click here", ),
        },
        replies=("Thank you! See you on the mat soon", "Yes, Sundays 9am to 6pm", "So sorry, we'll put it right",
                 "We've sent you a direct message with the details"),
        people=("Priya", "James", "Olivia", "Tom", "Amara", "Ben", "Chloe", "Sam"),
        campaigns=("intro-offer", "retreat", "membership"), site="https://breathe-yoga.example"),
)
