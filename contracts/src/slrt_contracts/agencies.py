"""Agency (OPD / programme manager) codes used in referral subjects, with their names as citizens
know them. Districts add their own; the code is one NATS subject token."""

AGENCY_NAMES: dict[str, str] = {
    "dinkes": "Dinas Kesehatan",
    "disdik": "Dinas Pendidikan",
    "dinsos": "Dinas Sosial",
    "disnaker": "Dinas Tenaga Kerja",
    "dukcapil": "Dinas Kependudukan dan Pencatatan Sipil",
    "bpjs-kesehatan": "BPJS Kesehatan",
    "baznas": "BAZNAS (badan amil zakat)",
    "dinperkim": "Dinas Perumahan dan Kawasan Permukiman",
    # Managing agencies of the referral service's seed programme catalogue.
    "kemensos-pkh": "Kementerian Sosial (PKH)",
    "kemensos-bpnt": "Kementerian Sosial (Bantuan Sembako)",
    "kemendikbud-pip": "Kementerian Pendidikan (Program Indonesia Pintar)",
    "kemendikbud-kipk": "Kementerian Pendidikan (KIP Kuliah)",
    "dinsos-prov": "Dinas Sosial Provinsi",
    "forum-csr": "Forum CSR Kabupaten",
}


def agency_name(code: str) -> str:
    return AGENCY_NAMES.get(code, code)
