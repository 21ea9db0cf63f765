"""licences — the e-licence library (电子证照库) and tell-us-once (免提交), PRODUCT.md module 4.

Owns licence types (证照目录), licences with their status history and annotations, holders' shares
(用证授权) and use records (用证记录), and the keys that seal licences (a platform CA, department seal
certificates, a time-stamping authority, the credential issuer key). It issues a licence when a case
whose item's result is a licence concludes with approval (a handler of `application.concluded`),
renders it as a sealed PAdES PDF and as an SD-JWT VC, publishes status as a Token Status List, verifies
PDFs, QR codes and presentations, supplies licences to applications as a material provider, and takes in
a department's existing licences in bulk (存量证照导入: `imports`, checked first, written in resumable batches).

Public functions: `services.licence_issue`, `services.licence_status_change`, `services.licence_share`,
`selectors.licences_of_holder`, `selectors.licence_register`, `selectors.licence_document`,
`imports.licence_import_check`, `imports.licence_import_commit`, `imports.licence_import_resume`.

Legal basis: 《国务院关于在线政务服务的若干规定》第十条（电子证照与纸质证照具有同等法律效力）,
《电子签名法》第十三、十四条（可靠的电子签名与手写签名或者盖章具有同等的法律效力）, GB/T 36901–36906.
"""
