"""A RegiX consumer written with Python zeep, used by regway's interop test.

It loads regway's served WSDLs over mutual TLS and calls PersonDataSearch through the V2 SOAP 1.1
port, the V2 SOAP 1.2 port (with WS-Addressing) and V1 ExecuteSynchronous. It prints one JSON
object with what it read from each answer; the Rust test checks the values.
"""

import json
import sys

import requests
from lxml import etree
from zeep import Client, Settings
from zeep.transports import Transport
from zeep.wsa import WsAddressingPlugin

base, ca, cert, key, egn, operation = sys.argv[1:7]

session = requests.Session()
# Only the test PKI counts: ignore REQUESTS_CA_BUNDLE, proxies and .netrc from the environment.
session.trust_env = False
session.verify = ca
session.cert = (cert, key)
transport = Transport(session=session, timeout=30, operation_timeout=30)
settings = Settings(strict=True)

NBD_REQ = "http://egov.bg/RegiX/GRAO/NBD/PersonDataRequest"
NBD_RESP = "http://egov.bg/RegiX/GRAO/NBD/PersonDataResponse"
NBD = "http://egov.bg/RegiX/GRAO/NBD"


def argument():
    req = etree.Element(etree.QName(NBD_REQ, "PersonDataRequest"), nsmap={None: NBD_REQ})
    etree.SubElement(req, etree.QName(NBD_REQ, "EGN")).text = egn
    return req


def members():
    return {
        "Operation": operation,
        "Argument": {"_value_1": argument()},
        "CallContext": {
            "ServiceURI": "123-12345-01.01.2017",
            "ServiceType": "interop test",
            "EmployeeIdentifier": "zeep@example.invalid",
            "LawReason": "LB-TEST: interop test",
        },
        "SignResult": False,
        "ReturnAccessMatrix": False,
    }


def read(result):
    """What a consumer reads from ServiceResultData."""
    out = {"IsReady": result.IsReady, "HasError": result.HasError, "Error": result.Error,
           "ServiceCallID": str(result.ServiceCallID)}
    if result.Data is not None and result.Data.Response is not None:
        resp = result.Data.Response._value_1
        out["ResponseRoot"] = resp.tag
        out["FirstName"] = resp.findtext(f"{{{NBD_RESP}}}PersonNames/{{{NBD}}}FirstName")
        out["EGN"] = resp.findtext(f"{{{NBD_RESP}}}EGN")
        out["EchoedEGN"] = result.Data.Request._value_1.findtext(f"{{{NBD_REQ}}}EGN")
    return out


report = {}

v2 = Client(f"{base}/RegiXEntryPointV2.svc/basic?wsdl", transport=transport, settings=settings)
report["v2_operations"] = sorted(v2.service._operations.keys())
# zeep unwraps the single-member ResultWrapper and returns the ServiceResultData itself.
report["v2_soap11"] = read(v2.service.Execute(request={"ServiceRequestData": members()}))

v2ws = Client(f"{base}/RegiXEntryPointV2.svc?wsdl", transport=transport, settings=settings,
              plugins=[WsAddressingPlugin()])
service12 = v2ws.bind("RegiXEntryPointV2", "WSHttpBinding_IRegiXEntryPointV2")
report["v2_soap12"] = read(service12.Execute(request={"ServiceRequestData": members()}))

v1 = Client(f"{base}/RegiXEntryPoint.svc?wsdl", transport=transport, settings=settings,
            plugins=[WsAddressingPlugin()])
report["v1"] = read(v1.service.ExecuteSynchronous(request=members()))

print(json.dumps(report, ensure_ascii=False))
