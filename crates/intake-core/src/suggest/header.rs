//! Suggestions from a column's header: the names, labels and aliases of the workspace's
//! fields, and a lexicon of how contact exports name them in English, German, Spanish,
//! French, Portuguese and Italian. Headers are compared without case, accents, spacing or
//! punctuation; a trailing number (`E-Mail 2`) and small typos cost confidence.

use crate::model::{Schema, Target};
use crate::suggest::{Basis, Suggestion};

/// `(target name, header words)`. A mobile number is a phone first, WhatsApp second.
const LEXICON: &[(&str, &[&str])] = &[
    (
        "first_name",
        &[
            "first name",
            "given name",
            "forename",
            "christian name",
            "vorname",
            "rufname",
            "nombre",
            "nombres",
            "primer nombre",
            "prenom",
            "primeiro nome",
            "nome proprio",
            "nome di battesimo",
        ],
    ),
    (
        "last_name",
        &[
            "last name",
            "surname",
            "family name",
            "nachname",
            "familienname",
            "zuname",
            "apellido",
            "apellidos",
            "nom de famille",
            "nom",
            "sobrenome",
            "apelido",
            "ultimo nome",
            "cognome",
        ],
    ),
    (
        "email",
        &[
            "email",
            "e mail",
            "mail",
            "email address",
            "e mail address",
            "mail address",
            "emailadresse",
            "e mail adresse",
            "correo",
            "correo electronico",
            "direccion de correo",
            "courriel",
            "adresse email",
            "adresse e mail",
            "adresse electronique",
            "endereco de email",
            "endereco de e mail",
            "posta elettronica",
            "indirizzo email",
            "indirizzo e mail",
        ],
    ),
    (
        "phone",
        &[
            "phone",
            "phone number",
            "telephone",
            "telephone number",
            "tel",
            "telefon",
            "telefonnummer",
            "festnetz",
            "rufnummer",
            "telefono",
            "numero de telefono",
            "numero de telephone",
            "telefone",
            "numero de telefone",
            "numero di telefono",
        ],
    ),
    (
        "whatsapp",
        &["whatsapp", "whatsapp number", "whatsapp nummer", "numero whatsapp", "numero de whatsapp"],
    ),
    (
        "company",
        &[
            "company",
            "company name",
            "organization",
            "organisation",
            "employer",
            "firma",
            "firmenname",
            "unternehmen",
            "arbeitgeber",
            "empresa",
            "compania",
            "organizacion",
            "societe",
            "entreprise",
            "companhia",
            "organizacao",
            "azienda",
            "societa",
            "ditta",
        ],
    ),
    (
        "job_title",
        &[
            "job title",
            "title",
            "position",
            "role",
            "job",
            "berufsbezeichnung",
            "jobtitel",
            "titel",
            "funktion",
            "beruf",
            "cargo",
            "puesto",
            "titulo",
            "poste",
            "fonction",
            "titre",
            "funcao",
            "ruolo",
            "qualifica",
            "mansione",
        ],
    ),
    (
        "birthday",
        &[
            "birthday",
            "date of birth",
            "birth date",
            "birthdate",
            "dob",
            "geburtstag",
            "geburtsdatum",
            "cumpleanos",
            "fecha de nacimiento",
            "anniversaire",
            "date de naissance",
            "aniversario",
            "data de nascimento",
            "compleanno",
            "data di nascita",
        ],
    ),
    (
        "city",
        &[
            "city",
            "town",
            "stadt",
            "ort",
            "wohnort",
            "ciudad",
            "localidad",
            "ville",
            "cidade",
            "citta",
            "comune",
            "localita",
        ],
    ),
    ("country", &["country", "land", "pais", "pays", "paese", "nazione"]),
    ("language", &["language", "sprache", "idioma", "lengua", "langue", "lingua"]),
    (
        "notes",
        &[
            "notes",
            "note",
            "comments",
            "comment",
            "remarks",
            "notizen",
            "notiz",
            "bemerkung",
            "bemerkungen",
            "anmerkungen",
            "kommentar",
            "notas",
            "observaciones",
            "comentarios",
            "remarques",
            "commentaires",
            "observacoes",
            "osservazioni",
            "commenti",
        ],
    ),
    (
        "street",
        &[
            "street",
            "street address",
            "address",
            "address line 1",
            "strasse",
            "strasse und hausnummer",
            "strasse hausnummer",
            "anschrift",
            "adresse",
            "calle",
            "direccion",
            "domicilio",
            "rue",
            "adresse postale",
            "rua",
            "endereco",
            "logradouro",
            "indirizzo",
            "via",
        ],
    ),
    (
        "postal_code",
        &[
            "postal code",
            "zip",
            "zip code",
            "zipcode",
            "postcode",
            "plz",
            "postleitzahl",
            "codigo postal",
            "cod postal",
            "cp",
            "code postal",
            "cep",
            "cap",
            "codice postale",
        ],
    ),
    (
        "region",
        &[
            "region",
            "state",
            "province",
            "county",
            "bundesland",
            "kanton",
            "provincia",
            "estado",
            "comunidad autonoma",
            "departement",
            "etat",
            "regione",
        ],
    ),
    (
        "website",
        &[
            "website",
            "web site",
            "web page",
            "homepage",
            "url",
            "webseite",
            "internetseite",
            "internetadresse",
            "sitio web",
            "pagina web",
            "site web",
            "site internet",
            "sito web",
        ],
    ),
    ("department", &["department", "abteilung", "departamento", "service", "reparto", "dipartimento"]),
    (
        "middle_name",
        &[
            "middle name",
            "second name",
            "zweiter vorname",
            "weitere vornamen",
            "segundo nombre",
            "deuxieme prenom",
            "autres prenoms",
            "nome do meio",
            "secondo nome",
        ],
    ),
    (
        "name_prefix",
        &[
            "name prefix",
            "prefix",
            "title",
            "salutation",
            "anrede",
            "tratamiento",
            "civilite",
            "titre de civilite",
            "tratamento",
            "titolo",
        ],
    ),
    ("name_suffix", &["name suffix", "suffix", "namenszusatz", "sufijo", "suffixe", "suffisso"]),
    ("nickname", &["nickname", "nick name", "spitzname", "apodo", "surnom", "alcunha", "soprannome"]),
    ("gender", &["gender", "sex", "geschlecht", "genero", "sexo", "genre", "sexe", "sesso", "genere"]),
    (
        "other_addresses",
        &["other addresses", "other address", "weitere adressen", "otras direcciones", "autres adresses"],
    ),
    ("external_id", &["external id", "customer id", "customer number", "kundennummer", "kunden id"]),
    (
        "tags",
        &[
            "tags",
            "tag",
            "labels",
            "label",
            "categories",
            "category",
            "groups",
            "schlagworte",
            "schlagwoerter",
            "etiketten",
            "kategorien",
            "gruppen",
            "etiquetas",
            "categorias",
            "etiquettes",
            "categories",
            "groupes",
            "etichette",
            "categorie",
            "gruppi",
        ],
    ),
    (
        "lists",
        &[
            "lists",
            "list",
            "mailing lists",
            "mailing list",
            "distribution lists",
            "distribution list",
            "static lists",
            "listen",
            "liste",
            "verteiler",
            "verteilerliste",
            "verteilerlisten",
            "listas",
            "lista",
            "listas de correo",
            "listas de distribucion",
            "listes",
            "listes de diffusion",
            "liste de diffusion",
            "listas de email",
            "liste di distribuzione",
        ],
    ),
    (
        "email_subscription",
        &["email subscription", "newsletter", "email opt in", "email consent", "email optin"],
    ),
    ("sms_subscription", &["sms subscription", "sms opt in", "sms consent", "sms optin"]),
    (
        "whatsapp_subscription",
        &["whatsapp subscription", "whatsapp opt in", "whatsapp consent", "whatsapp optin"],
    ),
];

/// Header words of things intake has no field for. They map to nothing, but being words
/// they are never read as a typo of a field's word (`Employees` is not `Employer`).
const OTHER_WORDS: &[&str] = &[
    "anniversary",
    "jahrestag",
    "employees",
    "number of employees",
    "mitarbeiter",
    "mitarbeiterzahl",
    "empleados",
    "employes",
    "dipendenti",
    "revenue",
    "umsatz",
    "industry",
    "branche",
    "sector",
    "secteur",
    "settore",
    "status",
    "source",
    "quelle",
    "fuente",
    "owner",
    "rating",
    "created",
    "modified",
    "fax",
];

/// Words for a mobile number: a phone when the file has no other phone column, else the
/// WhatsApp number (mobile numbers are the ones messaging reaches).
const MOBILE: &[&str] = &[
    "mobile",
    "mobile phone",
    "mobile number",
    "cell",
    "cell phone",
    "cellphone",
    "handy",
    "handynummer",
    "mobil",
    "mobilnummer",
    "mobiltelefon",
    "movil",
    "telefono movil",
    "celular",
    "portable",
    "telephone portable",
    "telemovel",
    "cellulare",
    "numero di cellulare",
];
/// Confidences of a mobile word for the phone and for the further numbers: below a plain
/// phone word, so that `Telefon` is mapped to the phone and `Handy` to `other_phones`; the
/// import then makes the mobile number the row's phone (it is the one people message), and
/// never the WhatsApp number, which only a column that says WhatsApp fills.
const MOBILE_AS_PHONE: f32 = 0.93;
const MOBILE_AS_OTHER_PHONE: f32 = 0.9;

/// Whether `header` is a word for a mobile number (`Handy`, `Mobile Phone`, `Celular` …).
pub fn is_mobile_header(header: &str) -> bool {
    let key = compare_form(header);
    let key = key.trim_end_matches(|c: char| c.is_ascii_digit());
    !key.is_empty() && MOBILE.iter().any(|word| compare_form(word) == key)
}

/// Confidence of an exact match with a field's own name, label or alias.
const OWN_NAME: f32 = 1.0;
/// Confidence of an exact match with a lexicon word.
const LEXICON_WORD: f32 = 0.95;
/// Factor for a header that matches after dropping a trailing number (`Email 2`).
const NUMBERED: f32 = 0.9;
/// Shortest compared form a typo may be forgiven in: `nom`, `tel` and `ort` are too short.
const TYPO_MIN_LEN: usize = 5;
/// Similarity below which two words are not a typo of each other.
const TYPO_MIN_SIMILARITY: f64 = 0.75;

/// The form headers are compared in: ASCII (accents dropped), lower case, letters and digits
/// only.
pub fn compare_form(header: &str) -> String {
    deunicode::deunicode(header)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Every target a header may name, best first, at most one suggestion per target.
pub fn suggest_header(header: &str, schema: &Schema) -> Vec<Suggestion> {
    let key = compare_form(header);
    if key.is_empty() {
        return Vec::new();
    }
    let unnumbered = key.trim_end_matches(|c: char| c.is_ascii_digit());
    let words: Vec<(Target, String, String, f32)> = vocabulary(schema)
        .into_iter()
        .map(|(target, word, weight)| (target, compare_form(&word), word, weight))
        .collect();
    // A header that is a word of its own (`Nickname`, `Employees`) is no typo of another
    // (`Nachname`, `Employer`).
    let is_word = |form: &str| {
        words.iter().any(|(_, word_key, ..)| word_key == form)
            || OTHER_WORDS.iter().any(|word| compare_form(word) == form)
    };
    let typos_allowed = !is_word(&key) && !is_word(unnumbered);
    let mut best: Vec<Suggestion> = Vec::new();
    for (target, word_key, word, weight) in words.iter().map(|(t, k, w, x)| (*t, k, w, *x)) {
        let scored = score(&key, unnumbered, word_key, word, weight, typos_allowed);
        let Some((confidence, basis)) = scored else { continue };
        match best.iter_mut().find(|s| s.target == target) {
            Some(known) if known.confidence >= confidence => {}
            Some(known) => *known = Suggestion { target, confidence, basis },
            None => best.push(Suggestion { target, confidence, basis }),
        }
    }
    best.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
    best
}

/// How well `key` (a header in compare form) matches `word_key`.
fn score(
    key: &str,
    unnumbered: &str,
    word_key: &str,
    word: &str,
    weight: f32,
    typos_allowed: bool,
) -> Option<(f32, Basis)> {
    let basis = if weight >= OWN_NAME { Basis::Name } else { Basis::Synonym };
    if key == word_key {
        return Some((weight, basis));
    }
    if !unnumbered.is_empty() && unnumbered.len() < key.len() && unnumbered == word_key {
        return Some((weight * NUMBERED, basis));
    }
    if !typos_allowed || key.len() < TYPO_MIN_LEN || word_key.len() < TYPO_MIN_LEN {
        return None;
    }
    let similarity = strsim::normalized_damerau_levenshtein(unnumbered, word_key);
    (similarity >= TYPO_MIN_SIMILARITY).then(|| (weight * similarity as f32, Basis::Typo(word.to_string())))
}

/// `(target, word, weight)` for every name, label, alias and lexicon word of the schema's
/// targets.
fn vocabulary(schema: &Schema) -> Vec<(Target, String, f32)> {
    let mut words: Vec<(Target, String, f32)> = Vec::new();
    for (target, names) in schema.targets_with_names() {
        words.extend(names.into_iter().map(|name| (target, name, OWN_NAME)));
    }
    let mut add = |name: &str, lexicon: &[&str], weight: f32| {
        if let Some(target) = schema.target_by_name(name) {
            words.extend(lexicon.iter().map(|word| (target, (*word).to_string(), weight)));
        }
    };
    for (name, lexicon) in LEXICON {
        add(name, lexicon, LEXICON_WORD);
    }
    add("phone", MOBILE, MOBILE_AS_PHONE);
    add("other_phones", MOBILE, MOBILE_AS_OTHER_PHONE);
    words
}
