/*
 * gendata_words.h: the word and name tables gendata.c draws from. Data
 * only, included once by gendata.c.
 *
 * Domain labels mix English and Swedish words the way a Nordic ccTLD's
 * zone does; people and places come as (local, ASCII) pairs because an
 * EPP "int" postalInfo must be 7-bit ASCII (RFC 5733 2.4) while "loc"
 * may carry the local spelling. Addresses and e-mail domains use the
 * example names of RFC 2606 where they could reach a real party.
 */
#ifndef GENDATA_WORDS_H
#define GENDATA_WORDS_H

static const char *const words_en[] = {
	"able", "acme", "active", "alpha", "amber", "apex", "apple", "arctic",
	"arrow", "atlas", "aurora", "autumn", "beach", "bear", "berry", "best",
	"birch", "black", "blue", "bold", "bright", "brook", "build", "cabin",
	"candle", "castle", "cedar", "central", "city", "clean", "clear", "cloud",
	"coast", "cobalt", "coffee", "comet", "coral", "craft", "crown", "crystal",
	"daily", "data", "dawn", "delta", "design", "digital", "dream", "eagle",
	"earth", "east", "echo", "elite", "ember", "energy", "falcon", "farm",
	"field", "fire", "first", "fjord", "flow", "forest", "fox", "fresh",
	"frost", "future", "garden", "gold", "green", "grid", "harbor", "hawk",
	"health", "home", "honey", "horizon", "house", "iron", "island", "jade",
	"key", "lake", "light", "lime", "link", "lion", "logic", "lunar",
	"maple", "media", "meadow", "metro", "mint", "moon", "mountain", "net",
	"nordic", "north", "nova", "ocean", "olive", "omega", "orbit", "pace",
	"peak", "pine", "pixel", "planet", "polar", "prime", "pure", "quick",
	"rain", "raven", "red", "river", "rock", "royal", "sage", "salt",
	"sea", "shop", "silver", "sky", "smart", "snow", "solar", "spark",
	"spring", "star", "stone", "storm", "summit", "sun", "swift", "tech",
	"tide", "timber", "trail", "tree", "true", "urban", "valley", "vista",
	"wave", "west", "white", "wild", "wind", "wolf", "wood", "zen",
};

static const char *const words_sv[] = {
	"akut", "alltid", "bad", "bageri", "bil", "blomma", "bok", "borg",
	"bostad", "bygg", "dag", "djur", "el", "fest", "film", "fisk",
	"foto", "frisk", "gard", "glad", "golv", "gris", "hamn", "hand",
	"hem", "hund", "hus", "jord", "kaffe", "kalas", "katt", "klinik",
	"konst", "kraft", "kust", "lag", "land", "ljus", "mat", "mjuk",
	"mode", "musik", "natur", "norr", "ny", "park", "plat", "post",
	"resa", "ren", "rum", "salong", "segel", "skog", "skola", "sol",
	"spel", "sport", "stad", "sten", "strand", "syd", "tak", "tand",
	"torg", "tra", "tvatt", "vagn", "vind", "vatten", "verkstad", "vill",
};

/* Suffixes that turn a word into a business name. */
static const char *const words_biz[] = {
	"ab", "shop", "online", "group", "konsult", "design", "media", "bygg",
	"service", "data", "invest", "partner", "center", "studio", "teknik", "net",
};

/* Words with the letters a Swedish IDN table allows beyond LDH. */
static const char *const words_idn[] = {
	"räksmörgås", "smörgås", "blåbär", "älg", "grön", "björk", "fjäll",
	"sjö", "måne", "kött", "bröd", "äpple", "hälsa", "söder", "göta",
	"kärlek", "skön", "vår", "mjölk", "nöje", "café", "fräsch", "båt",
	"lövskog", "ängen", "örn", "väder", "hörna", "müsli", "über",
	"résumé", "gård", "snö", "tårta", "glögg", "kök", "sömn", "ö",
};

struct person_name {
	const char *loc, *ascii;
};

static const struct person_name first_names[] = {
	{ "Anna", "Anna" }, { "Åsa", "Asa" }, { "Björn", "Bjorn" },
	{ "Erik", "Erik" }, { "Eva", "Eva" }, { "Göran", "Goran" },
	{ "Ingrid", "Ingrid" }, { "Johan", "Johan" }, { "Karin", "Karin" },
	{ "Lars", "Lars" }, { "Linnéa", "Linnea" }, { "Magnus", "Magnus" },
	{ "Maria", "Maria" }, { "Mats", "Mats" }, { "Nils", "Nils" },
	{ "Olof", "Olof" }, { "Per", "Per" }, { "Sofia", "Sofia" },
	{ "Stefan", "Stefan" }, { "Sören", "Soren" }, { "Ulla", "Ulla" },
	{ "Åke", "Ake" }, { "Kerstin", "Kerstin" }, { "Jörgen", "Jorgen" },
	{ "Emma", "Emma" }, { "Oskar", "Oskar" }, { "Elin", "Elin" },
	{ "Hanna", "Hanna" }, { "Jonas", "Jonas" }, { "Sara", "Sara" },
	{ "Mikael", "Mikael" }, { "Helena", "Helena" },
};

static const struct person_name last_names[] = {
	{ "Andersson", "Andersson" }, { "Berg", "Berg" },
	{ "Björklund", "Bjorklund" }, { "Ek", "Ek" },
	{ "Eriksson", "Eriksson" }, { "Forsberg", "Forsberg" },
	{ "Gustafsson", "Gustafsson" }, { "Hansson", "Hansson" },
	{ "Holm", "Holm" }, { "Johansson", "Johansson" },
	{ "Karlsson", "Karlsson" }, { "Larsson", "Larsson" },
	{ "Lindqvist", "Lindqvist" }, { "Lindström", "Lindstrom" },
	{ "Lundgren", "Lundgren" }, { "Nilsson", "Nilsson" },
	{ "Nyström", "Nystrom" }, { "Öberg", "Oberg" },
	{ "Persson", "Persson" }, { "Sandberg", "Sandberg" },
	{ "Sjöberg", "Sjoberg" }, { "Strand", "Strand" },
	{ "Söderberg", "Soderberg" }, { "Wallin", "Wallin" },
	{ "Åberg", "Aberg" }, { "Ström", "Strom" },
	{ "Virtanen", "Virtanen" }, { "Hansen", "Hansen" },
	{ "Müller", "Muller" }, { "de Vries", "de Vries" },
};

struct place {
	const char *city, *city_ascii, *sp, *pc_fmt, *cc, *phone;
	const char *const *streets;
};

static const char *const streets_se[] = {
	"Storgatan", "Drottninggatan", "Kungsgatan", "Skolgatan",
	"Hamngatan", "Kyrkogatan", "Nygatan", "Parkgatan", NULL,
};
static const char *const streets_no[] = {
	"Storgata", "Kirkeveien", "Karl Johans gate", "Markveien", NULL,
};
static const char *const streets_fi[] = {
	"Mannerheimintie", "Aleksanterinkatu", "Fredrikinkatu", NULL,
};
static const char *const streets_dk[] = {
	"Vesterbrogade", "Gothersgade", "Amagertorv", NULL,
};
static const char *const streets_de[] = {
	"Hauptstrasse", "Lindenallee", "Gartenweg", NULL,
};
static const char *const streets_nl[] = {
	"Kerkstraat", "Dorpsstraat", "Stationsweg", NULL,
};

/* Streets are ASCII so that one address serves both postalInfo types.
 * pc_fmt: '#' is a digit; phone: the country code and area part. */
static const struct place places[] = {
	{ "Stockholm", "Stockholm", NULL, "1## ##", "SE", "+46.8", streets_se },
	{ "Göteborg", "Goteborg", NULL, "41# ##", "SE", "+46.31", streets_se },
	{ "Malmö", "Malmo", NULL, "21# ##", "SE", "+46.40", streets_se },
	{ "Uppsala", "Uppsala", NULL, "75# ##", "SE", "+46.18", streets_se },
	{ "Umeå", "Umea", NULL, "90# ##", "SE", "+46.90", streets_se },
	{ "Örebro", "Orebro", NULL, "70# ##", "SE", "+46.19", streets_se },
	{ "Linköping", "Linkoping", NULL, "58# ##", "SE", "+46.13", streets_se },
	{ "Oslo", "Oslo", NULL, "0###", "NO", "+47.2", streets_no },
	{ "Helsinki", "Helsinki", NULL, "00###", "FI", "+358.9", streets_fi },
	{ "København", "Kobenhavn", NULL, "1###", "DK", "+45.3", streets_dk },
	{ "Berlin", "Berlin", "BE", "10###", "DE", "+49.30", streets_de },
	{ "Amsterdam", "Amsterdam", "NH", "10## AB", "NL", "+31.20", streets_nl },
};

static const char *const org_kinds[] = {
	"AB", "HB", "Ekonomisk forening", "Stiftelse", "AS", "Oy", "GmbH", "B.V.",
};

static const char *const mail_domains[] = {
	"example.com", "example.net", "example.org", "mail.example", "post.example",
};

#endif
