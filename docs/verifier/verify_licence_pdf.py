"""Check a govplus licence PDF with pyHanko alone, trusting only the platform's root certificates.

    pip install pyHanko pyhanko-certvalidator
    curl -o ca.pem https://<site>/api/v1/licences/ca.pem
    python verify_licence_pdf.py licence.pdf ca.pem

Prints pyHanko's report (signer, seal certificate and its trust anchor, the time stamp and its
authority, whether anything changed after sealing) and VALID / NOT VALID. Imports nothing of govplus.
The platform publishes no CRL or OCSP for its seal certificates (it revokes licences, not seals, and
publishes a licence's status at /licences/verify/<id>), hence the soft-fail revocation mode.
"""

import sys

from pyhanko.keys import load_certs_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext


def main(pdf_path: str, roots_path: str) -> int:
    roots = list(load_certs_from_pemder([roots_path]))
    context = ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")
    with open(pdf_path, "rb") as file:
        signatures = PdfFileReader(file).embedded_signatures
        if not signatures:
            print("NOT VALID: the PDF carries no seal")
            return 1
        status = validate_pdf_signature(signatures[0], context)
        print(status.pretty_print_details())
        print("VALID" if status.bottom_line else "NOT VALID")
        return 0 if status.bottom_line else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
