"""Independent XML-signature implementations for regway's signature tests.

Subcommands (every file argument is a path; every result is one JSON object on stdout):

  zeep-request BASE CA CERT KEY EGN OPERATION PORT SIGNATURE DIGEST CREATED_OFFSET OUT
      Build a V2 Execute with Python zeep (WSDL loaded from the running gateway over mTLS) and
      sign it with zeep's wsse.BinarySignature (python-xmlsec), after adding a wsu:Timestamp
      whose Created is now + CREATED_OFFSET seconds. PORT is soap11 or soap12 (with
      WS-Addressing). Writes the message to OUT; prints {"content_type": ...}.

  xmlsec1-request IN KEY CERT OUT
      Sign the unsigned SOAP 1.1 message IN with the xmlsec1 command-line tool: a
      wsse:Security header with a BinarySecurityToken, a wsu:Timestamp and an ECDSA-SHA256
      signature over Body and Timestamp (exclusive C14N), as WSS4J lays it out.

  tamper KIND IN OUT
      Alter a signed request: body, reorder, wrap, second-body, duplicate-id, two-signatures.

  verify-result RESPONSE SEAL_CERT CA PROFILE
      Verify the signed ServiceResultData in a SOAP response with the xmlsec1 tool and with
      signxml. For the regix-legacy profile the ServiceResultData is first extracted into a
      document of its own (NOTES §2.1: inclusive C14N covers the envelope's namespaces).
      Prints {"xmlsec1": "ok"|error, "signxml": "ok"|error, "standalone": path}.
"""

import copy
import datetime
import json
import os
import subprocess
import sys
import tempfile

from lxml import etree

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
DS = "http://www.w3.org/2000/09/xmldsig#"
XADES = "http://uri.etsi.org/01903/v1.3.2#"
SD = "http://egov.bg/RegiX/SignedData"
TEMPURI = "http://tempuri.org/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XSD = "http://www.w3.org/2001/XMLSchema"
X509V3 = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3"
B64 = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False)


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def timestamp(offset):
    created = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=offset)
    ts = etree.Element(etree.QName(WSU, "Timestamp"), nsmap={"wsu": WSU})
    etree.SubElement(ts, etree.QName(WSU, "Created")).text = iso(created)
    etree.SubElement(ts, etree.QName(WSU, "Expires")).text = iso(created + datetime.timedelta(minutes=5))
    return ts


def zeep_request(base, ca, cert, key, egn, operation, port, signature, digest, offset, out):
    import requests
    import xmlsec
    from zeep import Client, Settings
    from zeep.transports import Transport
    from zeep.wsa import WsAddressingPlugin
    from zeep.wsse.signature import BinarySignature
    from zeep.wsse.utils import get_security_header

    class TimestampedBinarySignature(BinarySignature):
        """zeep's BinarySignature, after a Timestamp is put in the Security header (zeep
        signs a Timestamp it finds there, but does not add one)."""

        def apply(self, envelope, headers):
            get_security_header(envelope).append(timestamp(offset))
            return super().apply(envelope, headers)

    methods = {
        "ecdsa-sha256": xmlsec.Transform.ECDSA_SHA256,
        "ecdsa-sha1": xmlsec.Transform.ECDSA_SHA1,
        "rsa-sha256": xmlsec.Transform.RSA_SHA256,
    }
    digests = {"sha256": xmlsec.Transform.SHA256, "sha1": xmlsec.Transform.SHA1}
    session = requests.Session()
    session.trust_env = False
    session.verify = ca
    session.cert = (cert, key)
    transport = Transport(session=session, timeout=30)
    wsse = TimestampedBinarySignature(
        key, cert, signature_method=methods[signature], digest_method=digests[digest]
    )
    nbd = "http://egov.bg/RegiX/GRAO/NBD/PersonDataRequest"
    arg = etree.Element(etree.QName(nbd, "PersonDataRequest"), nsmap={None: nbd})
    etree.SubElement(arg, etree.QName(nbd, "EGN")).text = egn
    members = {
        "Operation": operation,
        "Argument": {"_value_1": arg},
        "CallContext": {
            "ServiceURI": "123-12345-01.01.2017",
            "ServiceType": "signed request test",
            "EmployeeIdentifier": "zeep@example.invalid",
            "LawReason": "LB-TEST: signed request test",
        },
        "SignResult": False,
        "ReturnAccessMatrix": False,
    }
    if port == "soap11":
        client = Client(f"{base}/RegiXEntryPointV2.svc/basic?wsdl", transport=transport,
                        settings=Settings(strict=True), wsse=wsse)
        service = client.service
        content_type = "text/xml; charset=utf-8"
    else:
        client = Client(f"{base}/RegiXEntryPointV2.svc?wsdl", transport=transport,
                        settings=Settings(strict=True), wsse=wsse, plugins=[WsAddressingPlugin()])
        service = client.bind("RegiXEntryPointV2", "WSHttpBinding_IRegiXEntryPointV2")
        content_type = ('application/soap+xml; charset=utf-8; '
                        'action="http://egov.bg/RegiX/IRegiXEntryPointV2/Execute"')
    message = client.create_message(service, "Execute", request={"ServiceRequestData": members})
    with open(out, "wb") as f:
        f.write(etree.tostring(message, encoding="utf-8", xml_declaration=False))
    return {"content_type": content_type}


def xmlsec1_request(path_in, key, cert, out):
    doc = etree.parse(path_in, PARSER).getroot()
    env = doc.nsmap.get(doc.prefix) or SOAP11
    header = doc.find(f"{{{env}}}Header")
    body = doc.find(f"{{{env}}}Body")
    if header is None:
        header = etree.Element(etree.QName(env, "Header"))
        doc.insert(0, header)
    body.set(etree.QName(WSU, "Id"), "id-body")
    security = etree.SubElement(header, etree.QName(WSSE, "Security"), nsmap={"wsse": WSSE, "wsu": WSU})
    security.set(etree.QName(env, "mustUnderstand"), "1")
    with open(cert) as f:
        pem = f.read()
    b64 = "".join(l for l in pem.splitlines() if l and not l.startswith("-----"))
    bst = etree.SubElement(security, etree.QName(WSSE, "BinarySecurityToken"),
                           {"ValueType": X509V3, "EncodingType": B64})
    bst.set(etree.QName(WSU, "Id"), "id-token")
    bst.text = b64
    ts = timestamp(0)
    ts.set(etree.QName(WSU, "Id"), "id-ts")
    security.append(ts)
    sig = etree.fromstring(f"""<ds:Signature xmlns:ds="{DS}"><ds:SignedInfo>
<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>
<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"/>
<ds:Reference URI="#id-body"><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference>
<ds:Reference URI="#id-ts"><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference>
</ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><wsse:SecurityTokenReference xmlns:wsse="{WSSE}"><wsse:Reference URI="#id-token" ValueType="{X509V3}"/></wsse:SecurityTokenReference></ds:KeyInfo></ds:Signature>""")
    security.append(sig)
    with tempfile.TemporaryDirectory() as d:
        template = os.path.join(d, "template.xml")
        with open(template, "wb") as f:
            f.write(etree.tostring(doc))
        run = subprocess.run(
            ["xmlsec1", "--sign", "--privkey-pem", key,
             "--id-attr:Id", f"{env}:Body", "--id-attr:Id", f"{WSU}:Timestamp",
             "--output", out, template],
            capture_output=True, text=True)
    if run.returncode != 0:
        raise SystemExit(f"xmlsec1 --sign failed: {run.stderr}")
    return {"content_type": "text/xml; charset=utf-8"}


def tamper(kind, path_in, out):
    doc = etree.parse(path_in, PARSER).getroot()
    env = SOAP12 if doc.tag == f"{{{SOAP12}}}Envelope" else SOAP11
    header = doc.find(f"{{{env}}}Header")
    body = doc.find(f"{{{env}}}Body")
    security = header.find(f"{{{WSSE}}}Security")
    egn = body.find(".//{http://egov.bg/RegiX/GRAO/NBD/PersonDataRequest}EGN")
    if kind == "body":
        egn.text = egn.text[:-1] + ("1" if egn.text[-1] != "1" else "2")
    elif kind == "reorder":
        srd = body.find(f".//{{{SD}}}ServiceRequestData")
        srd.insert(0, srd[-1])
    elif kind in ("wrap", "second-body"):
        forged = copy.deepcopy(body)
        for name in list(forged.attrib):
            del forged.attrib[name]
        fe = forged.find(".//{http://egov.bg/RegiX/GRAO/NBD/PersonDataRequest}EGN")
        fe.text = "5003318524"
        if kind == "wrap":
            # The signed Body moves into a header; a forged, unsigned Body takes its place.
            wrapper = etree.SubElement(header, "{urn:attacker}Wrapper")
            doc.remove(body)
            wrapper.append(body)
            doc.append(forged)
        else:
            doc.append(forged)
    elif kind == "duplicate-id":
        # A second element carrying the Body's Id: which one is signed is ambiguous.
        body_id = next(v for k, v in body.attrib.items() if etree.QName(k).localname == "Id")
        decoy = etree.SubElement(header, "{urn:attacker}Decoy")
        decoy.set(etree.QName(WSU, "Id"), body_id)
    elif kind == "two-signatures":
        security.append(copy.deepcopy(security.find(f"{{{DS}}}Signature")))
    else:
        raise SystemExit(f"unknown tamper kind {kind}")
    with open(out, "wb") as f:
        f.write(etree.tostring(doc))
    return {}


def standalone_result(doc):
    """The ServiceResultData as a document of its own, declaring the default namespace, xsi
    and xsd only: the form RegiX's verifiers (and its inclusive C14N digests) expect."""
    srd = doc.find(f".//{{{SD}}}ServiceResultData")
    root = etree.Element(f"{{{SD}}}ServiceResultData", nsmap={None: SD, "xsi": XSI, "xsd": XSD})
    for child in srd:
        root.append(copy.deepcopy(child))
    return etree.tostring(root)


def verify_result(path, seal_cert, ca, profile):
    from signxml import SignatureConfiguration, XMLVerifier
    from signxml.algorithms import DigestAlgorithm, SignatureMethod

    with open(path, "rb") as f:
        data = f.read()
    doc = etree.fromstring(data, PARSER)
    report = {}
    if profile == "regix-legacy":
        data = standalone_result(doc)
    target = path + ".verify.xml"
    with open(target, "wb") as f:
        f.write(data)
    report["document"] = target
    holder = doc.find(f".//{{{SD}}}Data")
    data_ns = SD if holder is not None else TEMPURI
    run = subprocess.run(
        ["xmlsec1", "--verify", "--trusted-pem", ca,
         "--id-attr:id", f"{data_ns}:Data",
         "--id-attr:Id", f"{XADES}:SignedProperties", target],
        capture_output=True, text=True)
    report["xmlsec1"] = "ok" if run.returncode == 0 else run.stderr.strip()[-600:]
    with open(seal_cert) as f:
        cert_pem = f.read()
    config = SignatureConfiguration(
        signature_methods=frozenset(SignatureMethod),
        digest_algorithms=frozenset(DigestAlgorithm),
    ) if profile == "regix-legacy" else SignatureConfiguration()
    try:
        verified = XMLVerifier().verify(
            data, x509_cert=cert_pem, expect_config=config, expect_references=2)
        tags = sorted(etree.QName(v.signed_xml).localname for v in verified)
        report["signxml"] = "ok"
        report["signxml_covered"] = tags
    except Exception as e:  # the report names any failure; the Rust test decides
        report["signxml"] = f"{type(e).__name__}: {e}"
    return report


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "zeep-request":
        base, ca, cert, key, egn, op, port, sig, digest, offset, out = args
        result = zeep_request(base, ca, cert, key, egn, op, port, sig, digest, int(offset), out)
    elif cmd == "xmlsec1-request":
        result = xmlsec1_request(*args)
    elif cmd == "tamper":
        result = tamper(*args)
    elif cmd == "verify-result":
        result = verify_result(*args)
    else:
        raise SystemExit(f"unknown command {cmd}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
