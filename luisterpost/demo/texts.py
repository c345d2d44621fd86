"""Dutch (and some Flemish and English) text pools for the generated mention streams in scenarios.py.

Calm templates name their brand through `{b}`, filled with one of BRAND_REFS, so that a mention
without a `brand` field can still be matched from the text (brands.yaml). They avoid the legal,
media and churn words of the classifier's signals: a calm day must not look like an escalation.
"""

from typing import Final

BRANDS: Final = ("coolblue", "bol", "postnl", "kpn", "albertheijn", "jumbo", "klm", "vattenfall")

# How a text names each brand: names, @handles, #hashtags and bare domains from brands.yaml.
# No "www." before a domain: ingest reads "www.coolblue.nl" as no domain of ours.
BRAND_REFS: Final[dict[str, tuple[str, ...]]] = {
    "coolblue": ("Coolblue", "Coolblue", "@coolblue", "#coolblue", "coolblue.nl", "@coolbluebe"),
    "bol": ("bol.com", "bol.com", "@bolcom", "#bolcom", "bolcom"),
    "postnl": ("PostNL", "PostNL", "@postnl", "#postnl", "postnl.nl"),
    "kpn": ("KPN", "KPN", "@kpn", "#kpn", "@kpnwebcare"),
    "albertheijn": ("Albert Heijn", "AH", "AH", "@albertheijn", "#albertheijn", "ah.nl"),
    "jumbo": ("Jumbo", "Jumbo", "@jumbosupermarkten", "#jumbo", "jumbo.com"),
    "klm": ("KLM", "KLM", "@klm", "#klm", "klm.com"),
    "vattenfall": ("Vattenfall", "Vattenfall", "@vattenfallnl", "#vattenfall", "vattenfall.nl"),
}

# The brands' own webcare accounts: handle (from brands.yaml), display name, followers.
WEBCARE_ACCOUNTS: Final[dict[str, tuple[str, str, int]]] = {
    "coolblue": ("coolblue", "Coolblue", 4_900),
    "bol": ("bolcom", "bol.com", 4_800),
    "postnl": ("postnl", "PostNL", 4_700),
    "kpn": ("kpnwebcare", "KPN Webcare", 4_600),
    "albertheijn": ("albertheijn", "Albert Heijn", 4_850),
    "jumbo": ("jumbosupermarkten", "Jumbo Supermarkten", 4_400),
    "klm": ("klm", "KLM Royal Dutch Airlines", 4_950),
    "vattenfall": ("vattenfallnl", "Vattenfall NL", 3_900),
}
WEBCARE_SIGNERS: Final = ("Lisa", "Mo", "Joyce", "Daan", "Fatima", "Kees", "Noor", "Sven", "Ilse")

# Id prefixes and post addresses per platform ({h}: the author's handle, {n}: a post number).
ID_PREFIX: Final = {"linkedin": "li", "x": "x", "facebook": "fb", "instagram": "ig", "tiktok": "tt",
                    "reddit": "rd", "youtube": "yt", "trustpilot": "tp", "forum": "fo", "news": "news",
                    "review": "rv", "other": "ot"}
URL: Final = {
    "linkedin": "https://www.linkedin.com/feed/update/urn:li:activity:{n}",
    "x": "https://x.com/{h}/status/{n}", "facebook": "https://www.facebook.com/{h}/posts/{n}",
    "instagram": "https://www.instagram.com/p/{n}/", "tiktok": "https://www.tiktok.com/@{h}/video/{n}",
    "reddit": "https://www.reddit.com/r/thenetherlands/comments/{n}/",
    "youtube": "https://www.youtube.com/watch?v={n}", "trustpilot": "https://nl.trustpilot.com/reviews/{n}",
    "forum": "https://gathering.tweakers.net/forum/list_messages/{n}",
    "news": "https://www.nu.nl/economie/{n}/artikel.html", "review": "https://www.kieskeurig.nl/review/{n}",
    "other": "https://forum.fok.nl/topic/{n}",
}

FIRST_NAMES: Final = (
    "Sanne", "Jeroen", "Fleur", "Bas", "Lotte", "Thijs", "Emma", "Daan", "Noor", "Ruben", "Iris", "Milan",
    "Femke", "Joost", "Anouk", "Sem", "Eva", "Lars", "Marieke", "Pieter", "Yasmina", "Mohamed", "Kevin",
    "Priya", "Wout", "Lien", "Jens", "Elke", "Hanne", "Tom", "Ingrid", "Ria", "Henk", "Annelies", "Bram",
    "Sophie", "Stijn", "Ayoub", "Merel", "Gert-Jan",
)
LAST_NAMES: Final = (
    "de Vries", "Jansen", "Bakker", "Visser", "Smit", "Peeters", "Janssens", "Maes", "Yilmaz", "El Amrani",
    "van Dijk", "de Boer", "Mulder", "Bos", "Vermeulen", "Claes", "Hendriks", "van Leeuwen", "Wouters",
    "Kramer",
)

CALM: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    "coolblue": {
        "neutral": (
            "Iemand ervaring met de installatieservice van {b} voor een inbouwvaatwasser? Komen ze echt "
            "binnen het tijdvak?",
            "Die nieuwe reclame van {b} met de dansende koelkast 😂 wie verzint dit",
            "Twijfel tussen twee wasmachines, de vergelijker van {b} helpt wel maar ik zie door de bomen "
            "het bos niet meer",
            "Vraagje: kun je bij {b} ook je oude tv laten meenemen bij de bezorging?",
            "Amai, {b} opent een winkel in Gent. Iemand al ne keer binnen geweest?",
            "Zag vandaag zo'n elektrisch busje van {b} in de straat, ze rijden echt overal",
        ),
        "praise": (
            "Gisteravond besteld, vanochtend om 9 uur al geïnstalleerd. {b} blijft top 👌",
            "Warme douche van {b}: koffiezetapparaat na 11 maanden kapot, binnen twee dagen gratis "
            "vervangen. Zo hoort het.",
            "Kreeg een handgeschreven kaartje bij mijn bestelling van {b}, klein gebaar maar wel leuk",
        ),
        "complaint": (
            "Al twee keer een bezorgafspraak gemist door {b}, en niemand die even belt. Beetje jammer.",
            "Retour bij {b} nogsteeds niet terugbetaald na 3 weken, zijn ze mijn geld vergeten?",
            "Verkeerde kleur koelkast geleverd door {b}. Nu weer een week wachten op een nieuwe afspraak 😤",
        ),
    },
    "bol": {
        "neutral": (
            "Koopt iemand nog weleens iets bij {b} van een partnerverkoper? Hoe zit het dan met retourneren?",
            "Weet iemand of Select van {b} de moeite waard is als je maar af en toe bestelt?",
            "Zojuist 14 boeken op mijn verlanglijstje bij {b} gezet, de Sint mag komen 🎁",
            "{b} gaat meer zelf bezorgen volgens het FD. Benieuwd wat dat met de prijzen doet "
            "https://fd.nl/ondernemen",
            "Hoe lang duurt het normaal voordat {b} een retour verwerkt? Vraag voor een vriend",
        ),
        "praise": (
            "Retourtje bij {b} binnen een dag terugbetaald. Makkelijker kan haast niet.",
            "Om 23:30 besteld bij {b}, de volgende ochtend lag het al op de mat. Hoe dan 😮",
            "Da's pas service, {b} stuurde zonder vragen een nieuwe oplader toen de eerste nie werkte",
        ),
        "complaint": (
            "Bij {b} besteld, blijkt een partnerverkoper te zijn, en nu reageert niemand op mijn vraag over "
            "de levertijd.",
            "Pakket van {b} als bezorgd gemeld maar er is hier niks aangekomen. Klantenservice zegt 'even "
            "afwachten'...",
            "Egt raar dat {b} een product als nieuw verkoopt terwijl de doos al open was",
        ),
    },
    "postnl": {
        "neutral": (
            "Hoe laat komt {b} eigenlijk op zaterdag? Wacht op een pakket en wil ff boodschappen doen",
            "Kun je bij {b} een pakket nog omleiden naar een pakketpunt als het al onderweg is?",
            "Postzegels weer duurder bij {b} vanaf januari, las ik. Kerstkaarten worden een luxeproduct",
            "De track & trace van {b} staat al de hele ochtend op 'sorteren', is dat normaal in december?",
            "Weet iemand of {b} ook pakketten naar Curaçao verstuurt en wat dat kost?",
        ),
        "praise": (
            "Shoutout naar de bezorger van {b} in onze wijk, altijd vrolijk en legt alles netjes bij de "
            "buren 🙏",
            "Pakket kwijt, na één telefoontje met {b} binnen twee dagen opgelost. Netjes.",
        ),
        "complaint": (
            "Weer een kaartje 'we hebben u niet thuis getroffen' van {b} terwijl ik gewoon thuis was. De "
            "bel werkt prima hoor.",
            "Pakket van {b} al 4 dagen 'onderweg'. Waar is het??",
            "Brievenbuspakje door {b} half in de regen laten hangen, alles nat 🙄",
        ),
    },
    "kpn": {
        "neutral": (
            "Overstappen naar glasvezel bij {b}, iemand tips voor de installatie? Moet ik thuis zijn?",
            "Hoe zet je op het nieuwe modem van {b} de gastwifi aan? Kan het nergens vinden",
            "{b} zet volgend jaar het 3G-netwerk uit las ik net. Oma's oude telefoon dus vervangen",
            "Iemand ervaring met de tv-app van {b} op een Samsung tv? Werkt dat een beetje?",
            "Wat is eigenlijk het verschil tussen al die abonnementen van {b}, snap er niks van",
        ),
        "praise": (
            "Monteur van {b} was er binnen het afgesproken uur en alles werkte in één keer. Top service 👍",
            "Snel geholpen via de chat van {b}, binnen 10 min opgelost",
        ),
        "complaint": (
            "Alweer een storing bij {b} in onze straat, de derde keer deze maand. Thuiswerken gaat zo echt "
            "niet.",
            "Half uur in de wacht bij {b} voor een simpele vraag over mijn factuur, kom op",
            "Mijn internet van {b} valt elke avond rond 8 uur weg, wss door drukte. Wanneer wordt dit "
            "opgelost",
        ),
    },
    "albertheijn": {
        "neutral": (
            "Wat zit er deze week in de bonus bij {b}? Ik zie de folder nergens",
            "Is die zelfscan bij {b} nou sneller of sta je toch weer bij de controle 🤔",
            "{b} stopt met de plastic zakjes bij de groente las ik, goed idee toch",
            "Welke {b} in Utrecht is op zondag het langst open?",
            "Bestelt iemand hier boodschappen via de bezorgservice van {b}? Zijn de bezorgkosten het waard?",
            "Den {b} hier in Antwerpen heeft eindelijk terug Nederlandse drop 😋",
        ),
        "praise": (
            "Bezorger van {b} kwam met een bosje bloemen omdat ik jarig was 🥹 had ik bij het bestellen "
            "genoemd",
            "Medewerker bij {b} liep helemaal mee naar het schap om de glutenvrije pasta te zoeken. Dat is "
            "service.",
        ),
        "complaint": (
            "Bestelling van {b} kwam met de helft van de producten vervangen door iets anders. Kokosmelk "
            "i.p.v. slagroom??",
            "Al 3 keer deze maand geen verse melk meer om 18u bij {b}, kan er iets beter ingekocht worden?",
        ),
    },
    "jumbo": {
        "neutral": (
            "Is {b} ook open op tweede kerstdag? Ben de jus vergeten",
            "Die spaaractie voor pannen bij {b}, doet iemand daar nog aan mee?",
            "Nieuwe {b} geopend in onze wijk, de parkeerplaatsen zijn nu al te weinig haha",
            "Weet iemand of je bij {b} lege flessen van andere winkels kan inleveren?",
        ),
        "praise": (
            "Caissière van {b} gaf mijn dochter een sticker omdat ze zo flink had geholpen. Klein ding, "
            "grote glimlach 😊",
            "Boodschappen van {b} keurig binnen het tijdvak bezorgd en alles vers. Prima geregeld.",
        ),
        "complaint": (
            "Voor de tweede keer rotte avocado's in mijn bestelling van {b}. Terugbetalen gaat wel netjes "
            "maar toch.",
            "Waarom zijn er bij {b} om half 6 maar 2 kassa's open? Sta hier al een kwartier",
            "Allez, {b} in Mechelen heeft om 10u 's morgens al geen stokbrood meer. Serieus?",
        ),
    },
    "klm": {
        "neutral": (
            "Iemand al gevlogen met de Dreamliner van {b}? Is de beenruimte echt beter?",
            "Online inchecken bij {b} opent 30 uur van tevoren toch? Of was het 24",
            "{b} bestaat bijna 100 jaar, mooi stukje geschiedenis in het journaal vanavond ✈️",
            "Mag je bij {b} een powerbank in je ruimbagage? Lees overal iets anders",
            "Die Delfts blauwe huisjes van {b} verzamelen, wie doet het nog? Ik zit op 67",
        ),
        "praise": (
            "Vlucht gecanceld maar {b} had binnen 20 minuten een hotel en een nieuwe vlucht geregeld. "
            "Chapeau.",
            "Stewardess van {b} zag dat mijn zoon bang was en liet hem na de landing de cockpit zien. Zo "
            "lief 🥰",
        ),
        "complaint": (
            "Koffer kwijt na een vlucht met {b}, al 2 dagen geen update. Op vakantie met alleen de kleren "
            "die ik aanheb 😩",
            "Drie uur vertraging bij {b} en geen enkele uitleg aan de gate. Compensatie aanvragen dan maar.",
        ),
    },
    "vattenfall": {
        "neutral": (
            "Nieuw termijnbedrag van {b} binnen, iemand enig idee hoe ze dat berekenen?",
            "Is stadsverwarming van {b} goedkoper dan gas? Ik krijg er geen touw aan vast",
            "{b} bouwt een nieuw windpark voor de kust, las het net op nu.nl",
            "Kan ik bij {b} mijn meterstanden ook via de app doorgeven?",
        ),
        "praise": (
            "Storing aan de stadsverwarming gemeld bij {b}, monteur was er dezelfde avond nog. Letterlijk "
            "een warme douche 😄",
            "Netjes geld terug van {b} na de jaarafrekening, zonder gedoe overgemaakt",
        ),
        "complaint": (
            "Jaarafrekening van {b} klopt niet, meterstand verkeerd overgenomen en nu 400 euro bijbetalen?",
            "Al een week geen warm water via de stadsverwarming van {b} en niemand noemt een datum. Koud "
            "douchen in november.",
        ),
    },
}

# Any brand: news, polls and jokes.
GENERIC_NEUTRAL: Final = (
    "Poll: hoe vaak per maand heb jij contact met {b}? Ik tel er 0 en dat is prima zo",
    "Vacature bij {b} gezien voor data-analist, werkt hier iemand die er wat over kan vertellen?",
    "Podcast van vanochtend ging over de marketing van {b}, echt interessant hoe dat werkt 🎧",
    "Grappig hoe {b} online altijd met iedereen in gesprek gaat lol",
    "Iemand de kwartaalcijfers van {b} gezien? Omzet flink omhoog volgens https://nos.nl/economie",
    "Onze stagiair dacht dat {b} een Amerikaans bedrijf was 😅",
    "Wie gaat er naar die meetup over customer experience met iemand van {b}? Zoek nog iemand om mee te gaan",
)

# English posts about a brand, tagged "en": (brand, stance, template).
ENGLISH: Final[tuple[tuple[str, str, str], ...]] = (
    ("klm", "neutral", "Flying {b} to Singapore tomorrow, does the lounge at Schiphol open early?"),
    ("coolblue", "praise", "Ordered a monitor from {b} yesterday and it's already here. Dutch delivery 😅"),
    ("bol", "neutral", "Does {b} ship to Germany? Asking for a friend in Aachen"),
    ("kpn", "neutral", "Just moved to Utrecht, which internet provider is decent? Thinking of {b}"),
    ("klm", "praise", "Honestly the stroopwafels on {b} flights are the best part of the trip"),
)

# Replies by other customers in a calm thread: plain questions and tips, no side taken.
THREAD_REPLIES: Final = (
    "Heb je het al via de app van {b} geprobeerd? Daar gaat het soms sneller.",
    "Zelfde vraag hier, iemand een idee hoe {b} dit regelt?",
    "Volgens mij staat het gewoon op de site van {b} onder veelgestelde vragen",
    "Laat even weten wat {b} zegt, ben benieuwd",
    "Ik zou {b} gewoon bellen, via de chat duurt het soms lang",
    "Dit dus. Vraag me dat over {b} ook al weken af",
    "Tip: bij {b} kun je ook terugbellen aanvragen, scheelt wachten",
)

# Webcare answers; {who} is the customer's handle, {sig} the agent's name.
WEBCARE: Final = (
    "Hoi @{who}, wat vervelend om te lezen! Stuur je ons even een DM met je ordernummer? Dan zoeken we het "
    "meteen uit. ^{sig}",
    "Hé @{who}, sorry dat het zo loopt. We kijken graag met je mee, stuur je ons via DM je postcode en "
    "huisnummer? ^{sig}",
    "Dag @{who}, bedankt voor je bericht. Ik heb het bij de collega's uitgezet, je hoort vandaag nog van "
    "ons. ^{sig}",
    "Hoi @{who}, goeie vraag! Dat kan zeker, je vindt het onder 'Mijn account'. Kom je er niet uit, laat "
    "het ons weten. ^{sig}",
    "@{who} Dank voor je geduld! We hebben je DM beantwoord 🙂 ^{sig}",
    "Hallo @{who}, dat is niet de bedoeling. Ik stuur je een privébericht zodat we dit samen oplossen. "
    "^{sig}",
)

# A brand name used as a common word: must match no brand (see `exclude` in brands.yaml).
DECOYS: Final = (
    "Vanavond film kijken met een jumbo pak chips en de bank voor mij alleen 🍿",
    "Ah zo, dus die vergadering van morgen gaat gewoon niet door? Had ik graag eerder geweten.",
    "Ah nee hè, regen precies als ik op de fiets stap 🌧️",
    "Net een jumbojet heel laag over Amstelveen zien vliegen, wat een herrie",
    "Pizza in jumbo formaat besteld voor het teamuitje, niemand kreeg hem op lol",
    "ah ja natuurlijk, de trein weer vertraagd. Maandag hoor.",
    "Oma breit weer: een hele bol wol in één avond opgemaakt 🧶",
    "Mijn neefje wil later piloot worden, het liefst op een jumbo jet ✈️",
    "Die jumbo-jet van vroeger vond ik mooier dan al die kleine toestellen van nu",
    "De blauwe bol van de kerstboom is alweer kapot, kat 1 - kerstboom 0",
)

EMOJI: Final = ("😅", "🙃", "👍", "🤷", "😂", "🙈", "💙", "😬")

# Seed 001: the pile-on. The root is posted at 22:45; its author follows up about an hour later.
PILE_ON_ROOT: Final = (
    "Extra betaald om mijn bestelling bij Coolblue vóór 22:00 bezorgd te krijgen. Om 22:40 stond de "
    "bezorger van hun partnerbedrijf pas voor de deur, zonder één woord van excuus. Direct een klacht "
    "ingediend bij de klantenservice, nog niets gehoord. Een bezorgpartner die het DNA van je merk niet "
    "deelt, ondermijnt alles wat je hebt opgebouwd. #klantbeleving #coolblue"
)
PILE_ON_FOLLOWUP: Final = (
    "Update: ruim een uur verder, het is middernacht en nog steeds geen reactie van de klantenservice. "
    "Van Coolblue had ik eerlijk gezegd beter verwacht."
)
PILE_ON_WEBCARE: Final = (
    "Goedemorgen {first}, wat vervelend dat je bestelling later kwam dan afgesproken en dat je zo lang op "
    "een reactie moest wachten. Dat hoort niet zo. Ik heb je een privébericht gestuurd, dan lossen we het "
    "samen op. ^{sig}"
)

# Readers who take the brand's side by attacking the complainer; some of them insult him.
DEFENSE: Final = (
    "Wat een zeurpiet. 40 minuten te laat en dan meteen de hele wereld laten weten dat je boos bent.",
    "40 minuten, echt? Daar schrijf je een LinkedIn-post over?",
    "Geef ze eerst de kans om te reageren voordat je ze publiekelijk afbrandt.",
    "Eerste wereldprobleem van de week, gefeliciteerd.",
    "Stel je niet aan man. Het is een pakketje, geen orgaantransplantatie.",
    "Wat een gezeur. Coolblue is nog altijd de beste webshop van Nederland.",
    "Verwend. Dat is het enige woord dat bij me opkomt.",
    "Om elf uur 's avonds al boos dat de klantenservice niet reageert? Die mensen slapen ook, hoor.",
    "Ik heb tientallen keren bij Coolblue besteld en nooit een probleem gehad. Soms gaat er iets mis, dat "
    "is menselijk.",
    "Zo'n post zegt meer over jou dan over Coolblue.",
    "Je hebt je spullen toch gekregen? Waar gaat dit over.",
    "Sorry, maar hier heb ik echt geen medelijden mee.",
    "Ga lekker slapen en stuur morgen een mailtje, zoals normale mensen doen.",
    "Dit is waarom bedrijven soms gek worden van hun klanten.",
    "Coolblue doet er alles aan om het goed te doen, en dan krijgen ze dit. Jammer.",
    "Typisch Nederland: alles moet perfect en anders ga je klagen op internet.",
    "Jij bent vast ook die man die in de supermarkt naar de manager vraagt.",
    "Dit hoort niet op LinkedIn. Dit is een zakelijk platform, geen klaagmuur.",
    "Je 25 duizend volgers inzetten om een webshop af te kraken om 40 minuten, lekker bezig.",
    "Snap niet dat mensen zich hier zo druk om maken. De bezorger doet ook maar zijn werk.",
    "Die chauffeur rijdt zich een slag in de rondte voor een hongerloon en jij gaat zitten mekkeren.",
    "Huilebalk.",
    "Zielig hoor, een volwassen vent die gaat janken om een pakketje.",
    "Ben jij ook zo iemand die een restaurant afkraakt omdat het toetje vijf minuten later kwam?",
    "Gewoon morgen even bellen, ze lossen het altijd netjes op. Ervaring genoeg.",
    "Nou nou, wat een drama. 😂",
    "Kom op zeg. Er zijn echte problemen in de wereld.",
    "Verwende klanten zoals jij maken het voor iedereen duurder.",
    "Ik werk zelf in de logistiek: 40 minuten uitloop op een avondroute is gewoon heel netjes.",
    "Zeurpiet. Volgende keer zelf ophalen dan.",
    "Je geeft ze nog geen twee uur en dan al publiekelijk klagen. Beetje geduld mag wel.",
    "Wat een aansteller, echt.",
    "Coolblue is juist een van de weinige bedrijven die het wél goed doen. Laat ze met rust.",
    "Dit soort posts, daar word ik zo moe van. Get a life.",
    "Beetje overdreven allemaal, vind je zelf ook niet?",
    "Ik zou me schamen als ik dit had geplaatst.",
    "Je bent gewoon verwend geraakt door hoe goed ze normaal zijn. Eigenlijk een compliment voor ze.",
    "Echt een eerste wereldprobleem. Mensen wachten weken op een operatie en jij klaagt over 40 minuten.",
    "Mijn buurman wacht al drie dagen op een pakket van een ander bedrijf. Wees blij.",
    "Gast, doe normaal. Je pakket is er toch?",
    "Lekker dan, iemand die zijn bereik misbruikt om een goed bedrijf zwart te maken.",
    "Ach man, ga toch fietsen. 🙄",
    "Ik hoop dat ze je voortaan als klant weigeren, scheelt ze een hoop gedoe.",
    "De klantenservice is 's nachts gewoon dicht, dat weet iedereen. Stel je niet zo aan.",
    "Wat een ongelooflijke zeikerd ben jij zeg.",
    "Dit is toch geen nieuws? Een bezorger die wat later is. Wow.",
    "Ik heb meer medelijden met die chauffeur dan met jou eerlijk gezegd.",
    "Klagen over luxe. Een dag eerder bestellen was ook een optie geweest.",
    "Klagen voordat ze überhaupt de kans hebben gehad om iets te doen. Niet sportief.",
    "Allez, 't is maar 40 minuutjes hé. Niet zo overdrijven.",
    "Hahaha wat een prinsesje. Blauwe doos 5 minuten te laat en de wereld vergaat.",
    "Ik zou als Coolblue gewoon niet reageren op dit soort mensen. Negeren.",
)

# Readers who side with the complainer: complaints about the brand, not defense.
SUPPORT: Final = (
    "Herkenbaar, bij mij ook te laat. En ook ik hoorde er niets van.",
    "Precies dit. Je betaalt extra voor een tijdvak, dan mag je verwachten dat het klopt.",
    "Vorige maand hetzelfde met hun bezorgpartner: anderhalf uur te laat en een chagrijnige chauffeur.",
    "Raar dat iedereen hier over je heen valt. Afspraak is afspraak, en die is niet nagekomen.",
    "Ik snap je helemaal. Die partnerbezorgers halen echt niet het niveau van hun eigen mensen.",
    "Mijn ervaring ook: sinds ze met externe bezorgers werken gaat het vaker mis bij Coolblue.",
    "Eens. Laatst ook extra betaald voor avondlevering en het kwam pas de volgende dag.",
)

# Questions and remarks in the thread that take no side.
PILE_NEUTRAL: Final = (
    "Weet iemand tot hoe laat hun klantenservice 's avonds bereikbaar is?",
    "Interessante discussie. Wat mag je eigenlijk van een bedrijf verwachten om 23:00?",
    "Krijg je de toeslag voor avondlevering terug als het te laat is?",
    "Welke bezorgdienst was het, weet je dat?",
    "Benieuwd hoe dit afloopt, houd ons op de hoogte.",
    "Goed voorbeeld van hoe snel een discussie op LinkedIn kan kantelen.",
)

# A long forum post, repeated to any length for huge_text_mention().
LONG_POST: Final = (
    "Lang verhaal over mijn ervaring met Coolblue, de bezorging van een wasmachine en alles wat daarna "
    "gebeurde, dag voor dag opgeschreven zodat niemand kan zeggen dat ik iets vergeet. "
)
