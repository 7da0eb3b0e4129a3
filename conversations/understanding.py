"""What a shopper's sentence means, in French, English or Chinese: an intent (search, where is
my order, delivery, returns, sizes, a person…), the words to search for, and the attributes
read from it (colour, size, a price ceiling, "cheap" as a sort). Rules over folded words, no
model: every rule is a word list a newcomer can extend, and tests/conversations/sentences.py
says what each sentence must give. The bot (conversations/bot.py) decides what to do with the
result; conversations/answers.py builds the replies for the intents that are not a search.
"""

import re
from dataclasses import dataclass, field
from enum import StrEnum

from catalog.search import STOPWORDS, colour_of, fold, join_compounds
from catalog.selectors import ShopperSearch
from shops.models import Shop
from shops.money import minor_unit_exponent


class Intent(StrEnum):
    SEARCH = "search"
    ORDER_STATUS = "order_status"
    DELIVERY = "delivery"
    RETURNS = "returns"
    SIZES = "sizes"
    HUMAN = "human"
    GREETING = "greeting"
    CART = "cart"
    BROWSE = "browse"
    YES = "yes"
    NO = "no"
    THANKS = "thanks"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Attributes:
    """Read from the sentence. `max_price` is in the shop currency's minor units (50 € → 5000);
    `sort` is "price" when the shopper wants it cheap."""

    colour: str = ""  # canonical English name: "red", "black"… (catalog.search.COLOURS)
    size: str = ""  # as the brand writes it in variant options: "38", "M"
    max_price: int | None = None
    sort: str = ""


@dataclass(frozen=True)
class Understanding:
    intent: Intent
    query: str = ""  # the words left to search for, folded, fillers removed
    attributes: Attributes = field(default_factory=Attributes)
    language: str = ""  # "fr", "en" or "zh-hans": what the sentence is written in

    def shopper_search(self) -> ShopperSearch:
        return ShopperSearch(
            query=self.query,
            colour=self.attributes.colour,
            size=self.attributes.size,
            max_price=self.attributes.max_price,
            sort=self.attributes.sort,
        )


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


# --- Language ------------------------------------------------------------------------------------

# Frequent words that only one of the two languages uses (folded). "a", "ok", "menu", numbers
# and product words shared by both decide nothing.
FRENCH_WORDS = _word_set(
    """je j tu vous nous il elle le la les un une des du de est et ou pour avec sans combien
    quel quelle quels quelles quand comment pourquoi bonjour bonsoir salut coucou merci oui non
    cherche cherchez voudrais veux aimerais avez auriez faut taille tailles commande colis
    livraison livre retour remboursement echange pas cher chere moins parler quelqu personne
    robe robes chaussures ceinture chemise sac mon ma mes votre vos ca c qu aujourd hui encore
    d accord rien svp stp fait bien suis ai recu toujours"""
)
ENGLISH_WORDS = _word_set(
    """i you we he she the an is are and or for with without how what which when where why
    hello hi hey thanks thank yes no looking look want would like have do does can could
    size sizes order parcel package delivery shipping ship return refund exchange cheap
    under less than talk speak someone person human dress dresses shoes belt shirt bag my
    your it this that any something please still got received yet not much long"""
)


# Han characters (Japanese kana aside: a Japanese sentence is not Chinese).
CHINESE_CHARACTERS = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA = re.compile("[\u3040-\u30ff]")


def is_chinese(text: str) -> bool:
    return bool(CHINESE_CHARACTERS.search(text)) and not _KANA.search(text)


def detect_language(words: list[str], default: str) -> str:
    if is_chinese(" ".join(words)):
        return "zh-hans"
    french = sum(1 for w in words if w in FRENCH_WORDS)
    english = sum(1 for w in words if w in ENGLISH_WORDS)
    if french > english:
        return "fr"
    if english > french:
        return "en"
    return default if default in ("fr", "en", "zh-hans") else "en"


# --- Intents -------------------------------------------------------------------------------------

# Phrases are matched on the folded sentence with apostrophes and hyphens turned into spaces
# ("quelqu'un" → "quelqu un", "avez-vous" → "avez vous"), padded with spaces, so " retour"
# also finds "retours" but "cher" never matches inside "chercher".
HUMAN_PHRASES = (
    " quelqu un",
    " humain",
    " conseill",
    " vendeu",
    " service client",
    " une personne",
    " vraie personne",
    " agent ",
    " human",
    " real person",
    " a person",
    " someone",
    " somebody",
    " customer service",
    " operator",
)
ORDER_PHRASES = (
    " ma commande",
    " mes commande",
    " mon colis",
    " ma livraison",
    " suivi ",
    " suivre ",
    " numero de suivi",
    " ou en est",
    " toujours pas recu",
    " pas encore recu",
    " my order",
    " where is my",
    " where s my",
    " my stuff",
    " my parcel",
    " my package",
    " my delivery",
    " order status",
    " track",
    " where is it",
    " not received",
    " haven t received",
    " still waiting",
)
RETURNS_PHRASES = (
    " retour",
    " retourner",
    " renvoyer",
    " rembours",
    " echange",
    " echanger",
    " return",
    " refund",
    " exchange",
    " send it back",
    " send back",
    " money back",
)
DELIVERY_PHRASES = (
    " livraison",
    " livrez",
    " livre ",
    " livrer",
    " livre en",
    " livres ",
    " delai",
    " expedi",
    " frais de port",
    " envoyez",
    " delivery",
    " deliver",
    " shipping",
    " ship ",
    " ship to",
    " postage",
    " how long does",
    " how long will",
    " how long for",
    " how long to",
    " how many days",
    " combien de temps",
    " combien de jours",
)
SIZE_QUESTION_PHRASES = (
    " quelle taille",
    " quelles taille",
    " quelle pointure",
    " quelles pointure",
    " tailles disponibles",
    " tailles dispo",
    " guide des tailles",
    " taille grand",
    " taille petit",
    " taille normalement",
    " ca taille",
    " il taille",
    " elle taille",
    " what size",
    " which size",
    " sizes available",
    " available sizes",
    " size guide",
    " size chart",
    " run small",
    " runs small",
    " run large",
    " runs large",
    " true to size",
    " sizing",
    " in what size",
)
GREETING_WORDS = _word_set(
    "bonjour bonsoir salut coucou hello hi hey hiya yo start menu /start bjr slt"
)
THANKS_WORDS = _word_set("merci thanks thank thx ty cheers")
YES_WORDS = _word_set("oui ouais ok okay oki yes yep yeah sure parfait daccord go volontiers")
NO_WORDS = _word_set("non no nope nan nah")
CART_WORDS = _word_set("panier cart basket")
# A short sentence made only of these words is small talk, not something to search for:
# "ok merci", "voir mon panier", "d'accord", "pas maintenant", "no thanks".
_GLUE_WORDS = _word_set(
    """merci beaucoup much you a lot d accord vas y c est bon mon ma my the le voir see show
    pas maintenant not now very tres bien great cool super please pls svp stp"""
)
SMALL_TALK_WORDS = YES_WORDS | NO_WORDS | THANKS_WORDS | GREETING_WORDS | CART_WORDS | _GLUE_WORDS
# What a sizes question says besides the product it is about.
SIZE_WORDS = _word_set(
    """taille tailles pointure pointures size sizes dispo disponible disponibles available
    existe exist come does do it elle il"""
)
BROWSE_PHRASES = (
    " catalogue",
    " catalog",
    " parcourir",
    " tout voir",
    " voir tout",
    " vos produits",
    " les produits",
    " nouveautes",
    " what do you sell",
    " what do you have",
    " qu est ce que vous vendez",
    " que vendez vous",
    " browse",
    " everything",
    " all products",
    " your products",
    " new arrivals",
)
# Words that are politeness or conversation, never part of what is looked for.
FILLER_PHRASES = (
    " je cherche",
    " je recherche",
    " on cherche",
    " je voudrais",
    " je veux",
    " j aimerais",
    " j ai besoin d",
    " il me faut",
    " est ce que vous avez",
    " est ce que",
    " avez vous",
    " vous avez",
    " auriez vous",
    " vous auriez",
    " vous vendez",
    " montrez moi",
    " montre moi",
    " quelque chose",
    " un truc",
    " i m looking for",
    " im looking for",
    " i am looking for",
    " looking for",
    " do you have",
    " do you sell",
    " have you got",
    " got any",
    " i want",
    " i need",
    " i d like",
    " i would like",
    " show me",
    " something",
    " please",
    " s il vous plait",
    " s il te plait",
    " svp",
    " stp",
    " merci",
    " thanks",
    " bonjour",
    " bjr ",
    " hello",
    " hi ",
    " salut",
    " en stock",
    " in stock",
    " help me find",
    " help me",
    " aidez moi a trouver",
    " aidez moi",
    " find me",
    " je fais",
    " je porte",
    " i wear",
    " tu as",
    " t as",
    " vous en avez",
    " existe",
    " existent",
    " exist",
    " come in",
    " comes in",
    " disponible",
    " disponibles",
    " dispo",
    " available",
)

# Chinese is written without spaces between words: its phrases are found anywhere in the
# sentence, and what is left once the fillers are out is searched as it is (catalog/search.py
# matches Chinese by substring). Most specific first, as the intents above.
CHINESE_HUMAN = ("人工", "客服", "真人", "找人", "有人吗")
CHINESE_ORDER = ("订单在哪", "我的订单", "订单状态", "查订单", "物流", "快递到哪", "包裹", "没收到")
CHINESE_RETURNS = ("退货", "退款", "换货", "退换")
CHINESE_DELIVERY = ("发货", "配送", "运费", "邮费", "送货", "几天到", "多久到", "多久能到")
CHINESE_SIZES = ("尺码表", "尺码", "码数", "尺寸", "什么码", "几码", "多大码")
# "38码", "M码": a size; "200元以下", "不超过200元": a price ceiling.
CHINESE_SIZE = re.compile(r"(\d{2}|xxs|xs|s|m|l|xl|xxl)\s*码")
CHINESE_PRICE_CEILING = re.compile(
    r"(\d+(?:\.\d{1,2})?)\s*(?:元|块|欧元|美元)?\s*(?:以下|以内)|(?:不超过|低于)\s*(\d+(?:\.\d{1,2})?)"
)
CHINESE_BROWSE = ("所有商品", "全部商品", "看看商品", "有什么商品", "卖什么", "逛逛", "目录")
# A short message that is only one of these (and particles such as 吧 or 啊).
CHINESE_CART = {"购物车", "我的购物车", "看购物车", "查看购物车"}
CHINESE_GREETING = {"你好", "您好", "嗨", "哈喽", "在吗", "早上好", "晚上好", "开始"}
CHINESE_THANKS = {"谢谢", "多谢", "感谢", "谢谢你", "谢谢您"}
CHINESE_YES = {"好", "好的", "可以", "行", "是", "是的", "对", "嗯", "没问题", "好啊"}
CHINESE_NO = {"不", "不要", "不用", "不了", "算了", "不用了", "不需要"}
_CHINESE_PARTICLES = re.compile("[吧啊呀了哦呢嘛]+$")
CHINESE_FILLERS = (
    "请问有",
    "请问",
    "我想要",
    "我想买",
    "我想找",
    "我在找",
    "我要买",
    "我要",
    "想要",
    "想买",
    "帮我找",
    "帮我",
    "你们有没有",
    "有没有",
    "你们有",
    "你们",
    "有卖",
    "请",
    "一件",
    "一条",
    "一双",
    "一个",
    "吗",
    "呢",
    "你好",
    "您好",
    "谢谢",
)


def _chinese_query(text: str, also=()) -> str:
    """What is left to search for: fillers out, and "的" ("红色的连衣裙") between words, each
    then matched on its own."""
    for filler in (*also, *CHINESE_FILLERS, "的"):
        text = text.replace(filler, " ")
    return " ".join(w for w in _WORDS.findall(text) if w not in STOPWORDS)


def _interpret_chinese(normalized: str, shop: Shop, understood) -> "Understanding":
    compact = "".join(normalized.split())
    short = _CHINESE_PARTICLES.sub("", compact)
    if _has(compact, CHINESE_HUMAN):
        return understood(Intent.HUMAN)
    if _has(compact, CHINESE_ORDER):
        return understood(Intent.ORDER_STATUS)
    if _has(compact, CHINESE_RETURNS):
        return understood(Intent.RETURNS)
    if _has(compact, CHINESE_DELIVERY):
        return understood(Intent.DELIVERY)
    size = ""
    if match := CHINESE_SIZE.search(normalized):
        size = match.group(1).upper()
        normalized = normalized[: match.start()] + " " + normalized[match.end() :]
    if _has(compact, CHINESE_SIZES) and not size:
        about = (*CHINESE_SIZES, "有哪些", "有什么", "什么", "多少")
        return understood(Intent.SIZES, query=_chinese_query(normalized, about))
    max_price = None
    if match := CHINESE_PRICE_CEILING.search(normalized):
        max_price = _price_minor(match.group(1) or match.group(2), shop)
        normalized = normalized[: match.start()] + " " + normalized[match.end() :]
    attributes = Attributes(size=size, max_price=max_price)
    for words, intent in (
        (CHINESE_CART, Intent.CART),
        (CHINESE_NO, Intent.NO),
        (CHINESE_THANKS, Intent.THANKS),
        (CHINESE_YES, Intent.YES),
        (CHINESE_GREETING, Intent.GREETING),
    ):
        if short in words:
            return understood(intent)
    if _has(compact, CHINESE_BROWSE):
        return understood(Intent.BROWSE)
    query = _chinese_query(normalized)
    if query or attributes != Attributes():
        return understood(Intent.SEARCH, query=query, attributes=attributes)
    if _has(compact, tuple(CHINESE_GREETING)):
        return understood(Intent.GREETING)
    return understood(Intent.UNKNOWN)


# --- Attributes ----------------------------------------------------------------------------------

CHEAP_PHRASES = (
    " pas cher",
    " pas chere",
    " pas chers",
    " pas cheres",
    " moins cher",
    " bon marche",
    " petit prix",
    " petits prix",
    " economique",
    " cheap",
    " cheapest",
    " inexpensive",
    " affordable",
    " budget",
    " low price",
)
# Longest first: "euros" must not stop at "eur".
_CURRENCY = r"(?:€|euros?|eur|\$|dollars?|usd|£|pounds?|gbp|chf|francs?)"
PRICE_CEILING = re.compile(
    r"(?:moins de|max(?:imum)?|sous|en dessous de|jusqu a|pas plus de|under|below|less than|"
    r"up to|no more than|cheaper than|<)\s*"
    rf"{_CURRENCY}?\s*(\d+(?:[.,]\d{{1,2}})?)\s*{_CURRENCY}?"
    r"|(\d+(?:[.,]\d{1,2})?)\s*" + _CURRENCY + r"\s*(?:max(?:imum)?|maxi|or less|et moins)"
)
LETTER_SIZES = ("xxs", "xs", "s", "m", "l", "xl", "xxl", "xxxl", "3xl", "4xl", "tu", "unique")
SIZE_AFTER_WORD = re.compile(
    r"\b(?:taille|size|pointure|en|in|du|sz)\s+(" + "|".join(LETTER_SIZES) + r"|\d{1,2})\b"
)
# A number on its own reads as a size when clothes or shoes come in it (EU sizes).
BARE_SIZE = re.compile(r"\b(3[0-9]|4[0-9]|5[0-2])\b")

# Typographic and keyboard apostrophes, hyphens and underscores.
_APOSTROPHES = re.compile("[\u2019'`\u00b4\\-_]")
_NOT_WORDS = re.compile(r"[^\w€$£<.,/ ]+", re.UNICODE)
_PUNCTUATION = re.compile(r"[.,!?;:]+(?=\s|$)")
_WORDS = re.compile(r"[\w/]+", re.UNICODE)


# Emoji that answer on their own; every other emoji is dropped.
EMOJI_WORDS = {"\N{THUMBS UP SIGN}": " ok ", "\N{OK HAND SIGN}": " ok "}
# A call for help on its own is a call for a person; "help me find a dress" is a search.
HELP_WORDS = _word_set("help aide sos please svp stp pls")


def _normalize(text: str) -> str:
    """Folded, apostrophes and hyphens as spaces, emoji and punctuation dropped, single spaces,
    padded with one space at each end for the phrase lists."""
    for emoji, word in EMOJI_WORDS.items():
        text = text.replace(emoji, word)
    text = join_compounds(_APOSTROPHES.sub(" ", fold(text)))
    text = _NOT_WORDS.sub(" ", text)
    text = _PUNCTUATION.sub(" ", text)
    return " " + " ".join(text.split()) + " "


def _has(text: str, phrases) -> bool:
    return any(p in text for p in phrases)


def _remove(text: str, phrases, *, word_endings: bool = False) -> str:
    """`text` without `phrases` as whole words; with word_endings, a phrase also takes the
    end of its last word ("pas cher" removes "pas chère", "quelles taille" "quelles tailles")."""
    ending = r"\w*" if word_endings else r"\b"
    for phrase in phrases:
        text = re.sub(r"(?<= )" + re.escape(phrase.strip()) + ending, " ", text)
    return text


def _price_minor(amount: str, shop: Shop) -> int:
    value = float(amount.replace(",", "."))
    return round(value * 10 ** minor_unit_exponent(shop.currency))


def _attributes(text: str, shop: Shop) -> tuple[Attributes, str]:
    """The attributes of a normalized sentence, and the sentence without them."""
    max_price = None
    if match := PRICE_CEILING.search(text):
        max_price = _price_minor(match.group(1) or match.group(2), shop)
        text = text[: match.start()] + " " + text[match.end() :]
    sort = ""
    if _has(text, CHEAP_PHRASES):
        sort = "price"
        text = _remove(text, CHEAP_PHRASES, word_endings=True)
    size = ""
    if (match := SIZE_AFTER_WORD.search(text)) or (match := BARE_SIZE.search(text)):
        size = match.group(1)
        text = text[: match.start()] + " " + text[match.end() :]
    size = size.upper() if not size.isdigit() else size
    colour = ""
    remaining = []
    for word in _WORDS.findall(text):
        if not colour and (named := colour_of(word)):
            colour = named
            continue
        remaining.append(word)
    attributes = Attributes(colour=colour, size=size, max_price=max_price, sort=sort)
    return attributes, " " + " ".join(remaining) + " "


def _query(text: str) -> str:
    text = _remove(text, FILLER_PHRASES)
    words = [w for w in _WORDS.findall(text) if w not in STOPWORDS and not w.isdigit()]
    return " ".join(words)


def interpret(text: str, *, shop: Shop, language: str, customer=None) -> Understanding:
    """What `text` means in `shop`. `language` is the conversation's so far: it decides when
    the sentence's own words do not. `customer` is accepted for rules that will depend on who
    asks (a returning shopper's "the same"); none does yet."""
    normalized = _normalize(text)
    words = _WORDS.findall(normalized)
    spoken = detect_language(words, language)

    def understood(intent: Intent, **values) -> Understanding:
        return Understanding(intent=intent, language=spoken, **values)

    if not words:
        return understood(Intent.UNKNOWN)
    if is_chinese(normalized):
        return _interpret_chinese(normalized, shop, understood)
    if _has(normalized, HUMAN_PHRASES) or (
        set(words) <= HELP_WORDS and set(words) - {"please", "svp", "stp", "pls"}
    ):
        return understood(Intent.HUMAN)
    if _has(normalized, ORDER_PHRASES):
        return understood(Intent.ORDER_STATUS)
    if _has(normalized, RETURNS_PHRASES):
        return understood(Intent.RETURNS)
    if _has(normalized, DELIVERY_PHRASES):
        return understood(Intent.DELIVERY)
    attributes, rest = _attributes(normalized, shop)
    if _has(normalized, SIZE_QUESTION_PHRASES) and not attributes.size:
        about = _query(_remove(normalized, SIZE_QUESTION_PHRASES, word_endings=True)).split()
        query = " ".join(w for w in about if w not in SIZE_WORDS)
        return understood(Intent.SIZES, query=query)
    word_set = set(words)
    # "basket" is a cart in English and a sneaker in French.
    small_talk = SMALL_TALK_WORDS if spoken == "en" else SMALL_TALK_WORDS - {"basket"}
    if len(words) <= 4 and word_set <= small_talk:
        if word_set & CART_WORDS:
            return understood(Intent.CART)
        if word_set & NO_WORDS or {"pas", "maintenant"} <= word_set or {"not", "now"} <= word_set:
            return understood(Intent.NO)
        if word_set & THANKS_WORDS:
            return understood(Intent.THANKS)
        if word_set & YES_WORDS or word_set & {"accord", "vas", "bon"}:
            return understood(Intent.YES)
        if word_set & GREETING_WORDS:
            return understood(Intent.GREETING)
    if _has(normalized, BROWSE_PHRASES) and len(words) <= 6:
        return understood(Intent.BROWSE)
    query = _query(rest)
    if query or attributes != Attributes():
        return understood(Intent.SEARCH, query=query, attributes=attributes)
    if word_set & GREETING_WORDS:
        return understood(Intent.GREETING)
    return understood(Intent.UNKNOWN)
