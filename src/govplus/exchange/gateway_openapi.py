"""The OpenAPI 3.1 document of one resource's gateway (每个资源一份接口描述), so that a consumer system
generates a client for exactly that resource: its record schema from its fields (with their types;
a sensitive field may come masked, so it may also be a string), the three operations with their
headers and errors, and the security scheme (OAuth2 client credentials at the platform's token URL;
`private_key_jwt` is described in the scheme's text, OpenAPI having no word for it)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from govplus.exchange.gateway import MAX_BATCH_KEYS, MAX_CHANGES
from govplus.exchange.models import Resource, ResourceField

KIND_SCHEMAS: dict[str, dict[str, Any]] = {
    ResourceField.Kind.STRING: {"type": "string"},
    ResourceField.Kind.INTEGER: {"type": "integer"},
    ResourceField.Kind.DECIMAL: {"type": "number"},
    ResourceField.Kind.DATE: {"type": "string", "format": "date"},
    ResourceField.Kind.DATETIME: {"type": "string", "format": "date-time"},
    ResourceField.Kind.BOOLEAN: {"type": "boolean"},
}

SCHEME = "ConsumerClientCredentials"


def _field_schema(field: ResourceField) -> dict[str, Any]:
    schema = dict(KIND_SCHEMAS.get(field.kind, {"type": "string"}))
    description = f"{field.label}{' / ' + field.label_en if field.label_en else ''}"
    if field.description:
        description += f"：{field.description}"
    if field.sensitivity == ResourceField.Sensitivity.SENSITIVE:
        description += "（敏感：未获明文授权时脱敏返回 / sensitive: masked unless the grant unmasks it）"
        if schema["type"] != "string":
            schema = {"type": [schema["type"], "string"], **{k: v for k, v in schema.items() if k != "type"}}
    if field.is_personal:
        description += "（个人信息 / personal data）"
    return {**schema, "title": field.name, "description": description}


def _header(name: str, description: str, *, required: bool) -> dict[str, Any]:
    return {
        "name": name,
        "in": "header",
        "required": required,
        "description": description,
        "schema": {"type": "string"},
    }


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _ok(schema: str) -> dict[str, Any]:
    return {
        "description": "成功 / served (the evidence entry is named by `evidence_id`)",
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


def resource_openapi(resource: Resource) -> dict[str, Any]:
    """The document (a dict ready for JSON) of `resource`'s gateway."""
    fields = [f for f in resource.fields.all() if f.sensitivity < ResourceField.Sensitivity.SECRET]
    personal = any(f.is_personal for f in fields)
    site = settings.SITE_URL.rstrip("/")
    base = f"/api/v1/exchange/gateway/{resource.code}"
    headers = [
        _header(
            "X-Purpose",
            "本次调用的用途（UTF-8 百分号编码）/ the purpose of this call (UTF-8, percent-encoded)",
            required=True,
        ),
        _header(
            "X-Case-Number",
            "办件编号：为办件调取个人信息时必填（单人查询个人信息时总是必填）/ the case, when personal data is "
            "fetched for one (always for a single-person lookup of personal data)",
            required=False,
        ),
        _header(
            "X-Consent",
            "本人授权（同意）编号：注明办件时必填 / the person's consent reference, required with a case",
            required=False,
        ),
    ]
    common_errors = {
        "401": _error("令牌缺失或无效 / no token, or an invalid one"),
        "403": _error("没有有效授权，或令牌缺少 exchange 范围 / no grant in force, or the token lacks `exchange`"),
        "404": _error("没有这个资源（或记录）/ no such resource (or record)"),
        "422": _error("参数有误，`fields` 指明每个字段 / invalid input; `fields` names each"),
        "429": {
            **_error("调用过于频繁 / rate limit reached"),
            "headers": {"Retry-After": {"description": "秒 / seconds", "schema": {"type": "integer"}}},
        },
    }
    security = [{SCHEME: ["exchange"]}]
    lookup_headers = [
        {**h, "required": True} if personal and h["name"] in {"X-Case-Number", "X-Consent"} else h for h in headers
    ]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"{resource.name}（{resource.code}）共享接口 / shared data gateway",
            "version": str(resource.version),
            "description": (
                f"{resource.summary or resource.name}. 提供部门 / provider: {resource.provider.name}. "
                "只返回授权字段 / only the granted fields are returned."
            ),
        },
        "servers": [{"url": site}],
        "security": security,
        "paths": {
            f"{base}/records/{{key}}": {
                "get": {
                    "operationId": "lookup",
                    "summary": "按主键查询一条记录 / one record by its key",
                    "parameters": [
                        {
                            "name": "key",
                            "in": "path",
                            "required": True,
                            "description": f"主键 {resource.key_field}",
                            "schema": {"type": "string"},
                        },
                        *lookup_headers,
                    ],
                    "responses": {"200": _ok("LookupOut"), **common_errors},
                }
            },
            f"{base}/records:batch": {
                "post": {
                    "operationId": "batch",
                    "summary": f"批量查询（最多 {MAX_BATCH_KEYS} 个主键）/ up to {MAX_BATCH_KEYS} records",
                    "parameters": headers,
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BatchIn"}}},
                    },
                    "responses": {"200": _ok("BatchOut"), **common_errors},
                }
            },
            f"{base}/changes": {
                "get": {
                    "operationId": "changes",
                    "summary": "自某版本以来的变更（含删除）/ changes since a version, deletions included",
                    "parameters": [
                        {
                            "name": "since",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "integer", "minimum": 0, "default": 0},
                        },
                        {
                            "name": "limit",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_CHANGES, "default": 100},
                        },
                        *headers,
                    ],
                    "responses": {"200": _ok("ChangesOut"), **common_errors},
                }
            },
        },
        "components": {
            "securitySchemes": {
                SCHEME: {
                    "type": "oauth2",
                    "description": (
                        "客户端凭证模式获取令牌（client_secret_basic，或持有密钥的系统用 private_key_jwt，RFC 7523："
                        "client_assertion 的 aud 为令牌端点 URL，exp 不超过 5 分钟，jti 不可重复）/ client "
                        "credentials; a system holding a key authenticates with private_key_jwt (RFC 7523)."
                    ),
                    "flows": {
                        "clientCredentials": {
                            "tokenUrl": f"{site}/o/token/",
                            "scopes": {"exchange": "调用数据共享交换接口 / call the data exchange gateway"},
                        }
                    },
                }
            },
            "schemas": {
                "Values": {
                    "type": "object",
                    "description": "记录的字段值（只含授权字段）/ the record's values (granted fields only)",
                    "properties": {f.name: _field_schema(f) for f in fields},
                    "additionalProperties": False,
                },
                "Record": {
                    "type": "object",
                    "required": ["key", "version", "values"],
                    "properties": {
                        "key": {"type": "string"},
                        "version": {"type": "integer"},
                        "values": {"$ref": "#/components/schemas/Values"},
                    },
                },
                "Change": {
                    "type": "object",
                    "required": ["key", "version", "deleted", "values"],
                    "properties": {
                        "key": {"type": ["string", "null"]},
                        "version": {"type": "integer"},
                        "deleted": {"type": "boolean"},
                        "values": {"oneOf": [{"$ref": "#/components/schemas/Values"}, {"type": "null"}]},
                    },
                },
                "LookupOut": _envelope({"$ref": "#/components/schemas/Record"}),
                "BatchIn": {
                    "type": "object",
                    "required": ["keys"],
                    "additionalProperties": False,
                    "properties": {
                        "keys": {
                            "type": "array",
                            "items": {"type": "string"},
                            "minItems": 1,
                            "maxItems": MAX_BATCH_KEYS,
                        }
                    },
                },
                "BatchOut": _envelope(
                    {
                        "type": "object",
                        "required": ["records", "missing"],
                        "properties": {
                            "records": {"type": "array", "items": {"$ref": "#/components/schemas/Record"}},
                            "missing": {"type": "array", "items": {"type": "string"}},
                        },
                    }
                ),
                "ChangesOut": _envelope(
                    {
                        "type": "object",
                        "required": ["records", "next_since", "has_more"],
                        "properties": {
                            "records": {"type": "array", "items": {"$ref": "#/components/schemas/Change"}},
                            "next_since": {"type": "integer"},
                            "has_more": {"type": "boolean"},
                        },
                    }
                ),
                "Error": {
                    "type": "object",
                    "required": ["code", "message", "message_en", "fields"],
                    "properties": {
                        "code": {"type": "string"},
                        "message": {"type": "string"},
                        "message_en": {"type": "string"},
                        "fields": {
                            "type": "object",
                            "additionalProperties": {"type": "array", "items": {"type": "string"}},
                        },
                    },
                },
            },
        },
    }


def _envelope(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["evidence_id", "resource", "data"],
        "properties": {
            "evidence_id": {
                "type": "string",
                "description": "本次交换的存证编号 / the evidence entry of this exchange",
            },
            "resource": {"type": "string"},
            "data": data,
        },
    }
