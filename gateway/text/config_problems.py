"""The words of configuration problems, in Indonesian and English (one at a time, as
`messages.language()` says): each problem is one line naming the key, the value and what is
allowed. Kept apart from `messages` so that `ldp check` (`gateway.cli.config_check`) and the
transports share them."""
from __future__ import annotations

from gateway.text.messages import language

# What a key may hold: (Indonesian, English), filled with the check's parameters.
ALLOWED = {
    "int": ("bilangan bulat", "an integer"),
    "float": ("angka", "a number"),
    "bool": ("true atau false", "true or false"),
    "str": ("teks", "a string"),
    "level": ("salah satu dari L0, L1, L2", "one of L0, L1, L2"),
    "table": ("tabel [{table}]", "a table [{table}]"),
    "tables": ("larik tabel [[{table}]]", "an array of tables [[{table}]]"),
    "one_of": ("salah satu dari {choices}", "one of {choices}"),
    "whole_range": ("bilangan bulat dari {low} sampai {high}",
                    "a whole number from {low} to {high}"),
    "whole_min": ("bilangan bulat paling sedikit {low}", "a whole number of at least {low}"),
    "seconds": ("jumlah detik lebih dari {low} dan paling banyak {high}{why}",
                "a number of seconds above {low} and at most {high}{why}"),
    "share": ("angka antara 0 dan 1 (tanpa 0 dan 1)", "a number between 0 and 1 (not 0 or 1)"),
    "at_least_key": ("paling sedikit {other} ({low})", "at least {other} ({low})"),
    "email": ("alamat email seperti nama@domain.go.id", "an email address like name@domain.example"),
    "domain": ("nama domain seperti lpse.go.id", "a domain name like lpse.example"),
    "word": ("satu kata tanpa spasi atau ';'", "one word without spaces or ';'"),
    "one_line": ("teks satu baris yang tidak kosong", "non-empty text on one line"),
    "prefix": ("1-16 huruf atau angka ASCII, diawali huruf (mis. LDP): nomor tiket dan token "
               "balasan memakainya", "1 to 16 ASCII letters or digits starting with a letter "
               "(like LDP): ticket numbers and reply tokens carry it"),
    "timezone": ("WIB, WITA, WIT atau nama zona IANA seperti Asia/Jakarta",
                 "WIB, WITA, WIT or an IANA zone name like Asia/Jakarta"),
    "work_days": ("hari seperti \"mon-fri\" atau \"mon,tue,sat\" (mon tue wed thu fri sat sun)",
                  "days like \"mon-fri\" or \"mon,tue,sat\" (mon tue wed thu fri sat sun)"),
    "work_hours": ("jam seperti \"08:00-16:00\" (00:00 sampai 23:59, mulai sebelum selesai)",
                   "hours like \"08:00-16:00\" (00:00 to 23:59, start before end)"),
    "date": ("daftar tanggal seperti \"2026-12-24\"", "a list of dates like \"2026-12-24\""),
    "hours": ("jumlah jam lebih dari 0 untuk prioritas {choices}",
              "a positive number of hours for a priority among {choices}"),
    "country": ("kode negara pustaka holidays (mis. ID) atau \"\"",
                "a country code of the holidays library (like ID) or \"\""),
    "writable_dir": ("folder yang dapat ditulis ({reason})", "a folder it can write to ({reason})"),
    "existing_dir": ("folder yang ada", "an existing folder"),
    "database_url": ("sqlite:///BERKAS atau postgresql://USER:PASS@HOST:PORT/NAMA",
                     "sqlite:///FILE or postgresql://USER:PASS@HOST:PORT/NAME"),
    "tls": ("ssl atau starttls untuk host {host}: tanpa TLS kata sandi terkirim terbuka; \"none\" "
            "hanya untuk 127.0.0.1, ::1, localhost, atau dengan {section}.allow_plaintext = true",
            "ssl or starttls for host {host}: without TLS the password travels in clear; "
            "\"none\" only for 127.0.0.1, ::1, localhost, or with {section}.allow_plaintext = true"),
    "not_folder": ("folder lain selain imap.folder ({folder}), atau \"\"",
                   "a folder other than imap.folder ({folder}), or \"\""),
    "unique_team": ("id yang unik: sudah dipakai oleh teams[{first}]",
                    "a unique id: teams[{first}] has it already"),
    "unique_agent": ("alamat yang unik: sudah dipakai oleh agents[{first}]",
                     "a unique address: agents[{first}] has it already"),
    "web_url": ("alamat web seperti https://layanan.lkpp.go.id/survei (tanpa ? atau #), atau \"\"",
                "a web address like https://desk.example/survey (without ? or #), or \"\""),
    "iso_date": ("tanggal YYYY-MM-DD (mis. 2026-01-31), atau kosong",
                 "a date as YYYY-MM-DD (e.g. 2026-01-31), or empty"),
    "until_after_from": ("tanggal yang tidak mendahului assigned_from {begins} (agen {email})",
                         "a date not before assigned_from {begins} (agent {email})"),
    "known_team": ("id tim yang ada ({known})", "the id of a team ({known})"),
    "l0_team": ("id tim L0 ({known})", "the id of an L0 team ({known})"),
    "some_l0": ("paling sedikit satu tim dengan level = \"L0\"",
                "at least one team with level = \"L0\""),
    "secret": ("paling sedikit {low} karakter bila ada agen (kunci token balasan agen; isi "
               "LDP_SECURITY_SECRET)", "at least {low} characters when agents are configured "
               "(it keys the agents' reply tokens; set LDP_SECURITY_SECRET)"),
    "authserv_id": ("authserv-id server penerima kita (kata pertama header Authentication-Results "
                    "yang dicapnya) bila security.strict = true: mode ketat meminta lulus "
                    "DKIM/DMARC, tanpa itu tidak ada perintah agen yang berlaku",
                    "our receiving server's authserv-id (the first word of the "
                    "Authentication-Results it stamps) when security.strict = true: strict mode "
                    "demands a DKIM/DMARC pass, so without it no agent's command is ever applied"),
    "lang": ("id atau en", "id or en"),
}

LINES = {
    "must": ("{where}: {key} harus {allowed}, bukan {value}",
             "{where}: {key} must be {allowed}, got {value}"),
    "must_env": ("{where} harus {allowed}, bukan {value}", "{where} must be {allowed}, got {value}"),
    "missing": ("{where}: kunci wajib {key} belum diisi", "{where}: missing required key {key}"),
    "unknown_key": ("{where}: kunci {key} tidak dikenal (yang dikenal: {known})",
                    "{where}: unknown key {key} (known: {known})"),
    "unknown_env": ("{where}: variabel tidak dikenal{hint} (yang dikenal: LDP_<BAGIAN>_<KUNCI> "
                    "untuk kunci ldp.toml, {extra})",
                    "{where}: unknown variable{hint} (known: LDP_<SECTION>_<KEY> for a key of "
                    "ldp.toml, {extra})"),
    "hint": ("; maksudnya {name}?", "; did you mean {name}?"),
    "environment": ("{name} (lingkungan)", "{name} (environment)"),
    "hidden": ("(disembunyikan, {count} karakter)", "(hidden, {count} characters)"),
    "problems": ("{count} masalah dalam konfigurasi {source}:",
                 "{count} problems in the configuration {source}:"),
    "valid": ("{source}: konfigurasi valid: {teams} tim, {agents} agen, {rules} aturan; "
              "basis data {database}; IMAP {imap_user} di {imap}; SMTP {smtp}; data di {data}",
              "{source}: the configuration is valid: {teams} teams, {agents} agents, {rules} "
              "rules; database {database}; IMAP {imap_user} at {imap}; SMTP {smtp}; data in "
              "{data}"),
    "imap_login": ("server IMAP {host}:{port} menolak login pengguna {user}: periksa "
                   "imap.username dan imap.password (atau LDP_IMAP_PASSWORD)",
                   "the IMAP server {host}:{port} refused the login of user {user}: check "
                   "imap.username and imap.password (or LDP_IMAP_PASSWORD)"),
}


def _pick(pair: tuple[str, str]) -> str:
    return pair[0] if language() == "id" else pair[1]


def allowed(entry: str, /, **params: object) -> str:
    return _pick(ALLOWED[entry]).format(**params)


def line(entry: str, /, **params: object) -> str:
    return _pick(LINES[entry]).format(**params)
