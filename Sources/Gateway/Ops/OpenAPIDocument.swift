/// The OpenAPI 3.1 description of every route, served at `/openapi.json`. A test checks
/// that its paths and methods equal the router's.
enum OpenAPIDocument {
    static let json = ##"""
        {
         "openapi": "3.1.0",
         "info": {
          "title": "Bot gateway",
          "version": "0.1.0",
          "description": "Auth/session gateway delegating chat to pluggable bots. Drop-in for the reference AI Chatbot API; errors are {\"detail\", \"code\"}."
         },
         "servers": [
          {
           "url": "/"
          }
         ],
         "tags": [
          {
           "name": "users"
          },
          {
           "name": "chat"
          },
          {
           "name": "conversations"
          },
          {
           "name": "operations"
          },
          {
           "name": "openai"
          }
         ],
         "paths": {
          "/api/v1/users/register": {
           "post": {
            "tags": [
             "users"
            ],
            "summary": "Register a user",
            "operationId": "register",
            "requestBody": {
             "required": true,
             "content": {
              "application/json": {
               "schema": {
                "$ref": "#/components/schemas/RegisterRequest"
               }
              }
             }
            },
            "responses": {
             "201": {
              "description": "Created",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/User"
                }
               }
              }
             },
             "409": {
              "$ref": "#/components/responses/Error"
             },
             "422": {
              "$ref": "#/components/responses/Validation"
             },
             "429": {
              "$ref": "#/components/responses/Limited"
             },
             "503": {
              "$ref": "#/components/responses/Busy"
             }
            }
           }
          },
          "/api/v1/users/login": {
           "post": {
            "tags": [
             "users"
            ],
            "summary": "Log in: access token and refresh cookie",
            "operationId": "login",
            "requestBody": {
             "required": true,
             "content": {
              "application/json": {
               "schema": {
                "$ref": "#/components/schemas/LoginRequest"
               }
              }
             }
            },
            "responses": {
             "200": {
              "$ref": "#/components/responses/Token"
             },
             "401": {
              "$ref": "#/components/responses/Error"
             },
             "422": {
              "$ref": "#/components/responses/Validation"
             },
             "429": {
              "$ref": "#/components/responses/Error"
             },
             "503": {
              "$ref": "#/components/responses/Busy"
             }
            }
           }
          },
          "/api/v1/users/refresh-token": {
           "post": {
            "tags": [
             "users"
            ],
            "summary": "Rotate the refresh cookie and get a new access token",
            "operationId": "refreshToken",
            "security": [
             {
              "refreshCookie": []
             }
            ],
            "responses": {
             "200": {
              "$ref": "#/components/responses/Token"
             },
             "401": {
              "$ref": "#/components/responses/ErrorClearingCookie"
             },
             "429": {
              "$ref": "#/components/responses/Error"
             },
             "503": {
              "$ref": "#/components/responses/Busy"
             }
            }
           }
          },
          "/api/v1/users/logout": {
           "post": {
            "tags": [
             "users"
            ],
            "summary": "End the refresh cookie's session",
            "operationId": "logout",
            "security": [
             {
              "bearer": []
             }
            ],
            "responses": {
             "204": {
              "$ref": "#/components/responses/CookieCleared"
             },
             "401": {
              "$ref": "#/components/responses/Unauthorized"
             }
            }
           }
          },
          "/api/v1/users/logout-all": {
           "post": {
            "tags": [
             "users"
            ],
            "summary": "End every session of the user",
            "operationId": "logoutAll",
            "security": [
             {
              "bearer": []
             }
            ],
            "responses": {
             "204": {
              "$ref": "#/components/responses/CookieCleared"
             },
             "401": {
              "$ref": "#/components/responses/Unauthorized"
             }
            }
           }
          },
          "/api/v1/users/me": {
           "get": {
            "tags": [
             "users"
            ],
            "summary": "The authenticated user",
            "operationId": "me",
            "security": [
             {
              "bearer": []
             }
            ],
            "responses": {
             "200": {
              "description": "OK",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/User"
                }
               }
              }
             },
             "401": {
              "$ref": "#/components/responses/Unauthorized"
             }
            }
           }
          },
          "/api/v1/users/me/sessions": {
           "get": {
            "tags": [
             "users"
            ],
            "summary": "Active sessions",
            "operationId": "listSessions",
            "security": [
             {
              "bearer": []
             }
            ],
            "responses": {
             "200": {
              "description": "OK",
              "content": {
               "application/json": {
                "schema": {
                 "type": "array",
                 "items": {
                  "$ref": "#/components/schemas/Session"
                 }
                }
               }
              }
             },
             "401": {
              "$ref": "#/components/responses/Unauthorized"
             }
            }
           }
          },
          "/api/v1/users/me/sessions/{id}": {
           "delete": {
            "tags": [
             "users"
            ],
            "summary": "End one session",
            "operationId": "revokeSession",
            "security": [
             {
              "bearer": []
             }
            ],
            "parameters": [
             {
              "$ref": "#/components/parameters/Id"
             }
            ],
            "responses": {
             "204": {
              "description": "Ended"
             },
             "401": {
              "$ref": "#/components/responses/Unauthorized"
             },
             "404": {
              "$ref": "#/components/responses/Error"
             }
            }
           }
          },
          "/api/v1/chat": {
           "post": {
            "tags": [
             "chat"
            ],
            "summary": "Send a message; JSON, or Server-Sent Events with Accept: text/event-stream",
            "operationId": "chat",
            "security": [
             {
              "bearer": []
             }
            ],
            "requestBody": {
             "required": true,
             "content": {
              "application/json": {
               "schema": {
                "$ref": "#/components/schemas/ChatRequest"
               }
              }
             }
            },
            "responses": {
             "200": {
              "description": "The reply (a polite message with `error` and `suggestions` when no bot could answer)",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/ChatResponse"
                }
               },
               "text/event-stream": {
                "schema": {
                 "$ref": "#/components/schemas/ChatEventStream"
                }
               }
              }
             },
             "401": {
              "$ref": "#/components/responses/Unauthorized"
             },
             "404": {
              "$ref": "#/components/responses/Error"
             },
             "422": {
              "$ref": "#/components/responses/Validation"
             },
             "429": {
              "$ref": "#/components/responses/Limited"
             },
             "503": {
              "$ref": "#/components/responses/Busy"
             }
            }
           }
          },
          "/api/v1/chat/stream": {
           "post": {
            "tags": [
             "chat"
            ],
            "summary": "Send a message and stream the reply as Server-Sent Events",
            "operationId": "chatStream",
            "security": [
             {
              "bearer": []
             }
            ],
            "requestBody": {
             "required": true,
             "content": {
              "application/json": {
               "schema": {
                "$ref": "#/components/schemas/ChatRequest"
               }
              }
             }
            },
            "responses": {
             "200": {
              "description": "Events start, delta…, then end or error",
              "content": {
               "text/event-stream": {
                "schema": {
                 "$ref": "#/components/schemas/ChatEventStream"
                }
               }
              }
             },
             "401": {
              "$ref": "#/components/responses/Unauthorized"
             },
             "404": {
              "$ref": "#/components/responses/Error"
             },
             "422": {
              "$ref": "#/components/responses/Validation"
             },
             "429": {
              "$ref": "#/components/responses/Limited"
             },
             "503": {
              "$ref": "#/components/responses/Busy"
             }
            }
           }
          },
          "/api/v1/conversations": {
           "get": {
            "tags": [
             "conversations"
            ],
            "summary": "The user's conversations, newest first",
            "operationId": "listConversations",
            "security": [
             {
              "bearer": []
             }
            ],
            "parameters": [
             {
              "name": "limit",
              "in": "query",
              "schema": {
               "type": "integer",
               "minimum": 1,
               "maximum": 100,
               "default": 20
              }
             },
             {
              "name": "cursor",
              "in": "query",
              "schema": {
               "type": "string"
              },
              "description": "`next_cursor` of the previous page"
             }
            ],
            "responses": {
             "200": {
              "description": "OK",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/ConversationPage"
                }
               }
              }
             },
             "401": {
              "$ref": "#/components/responses/Unauthorized"
             },
             "422": {
              "$ref": "#/components/responses/Validation"
             }
            }
           }
          },
          "/api/v1/conversations/{id}": {
           "get": {
            "tags": [
             "conversations"
            ],
            "summary": "One conversation with its messages",
            "operationId": "getConversation",
            "security": [
             {
              "bearer": []
             }
            ],
            "parameters": [
             {
              "$ref": "#/components/parameters/Id"
             }
            ],
            "responses": {
             "200": {
              "description": "OK",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/ConversationDetail"
                }
               }
              }
             },
             "401": {
              "$ref": "#/components/responses/Unauthorized"
             },
             "404": {
              "$ref": "#/components/responses/Error"
             }
            }
           },
           "delete": {
            "tags": [
             "conversations"
            ],
            "summary": "Delete a conversation",
            "operationId": "deleteConversation",
            "security": [
             {
              "bearer": []
             }
            ],
            "parameters": [
             {
              "$ref": "#/components/parameters/Id"
             }
            ],
            "responses": {
             "204": {
              "description": "Deleted"
             },
             "401": {
              "$ref": "#/components/responses/Unauthorized"
             },
             "404": {
              "$ref": "#/components/responses/Error"
             }
            }
           }
          },
          "/api/v1/bots": {
           "get": {
            "tags": [
             "chat"
            ],
            "summary": "Configured bots and their health",
            "operationId": "listBots",
            "security": [
             {
              "bearer": []
             }
            ],
            "responses": {
             "200": {
              "description": "OK",
              "content": {
               "application/json": {
                "schema": {
                 "type": "array",
                 "items": {
                  "$ref": "#/components/schemas/Bot"
                 }
                }
               }
              }
             },
             "401": {
              "$ref": "#/components/responses/Unauthorized"
             }
            }
           }
          },
          "/live": {
           "get": {
            "tags": [
             "operations"
            ],
            "summary": "Liveness",
            "operationId": "live",
            "responses": {
             "200": {
              "description": "Alive",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Status"
                }
               }
              }
             }
            }
           }
          },
          "/ready": {
           "get": {
            "tags": [
             "operations"
            ],
            "summary": "Readiness (database answers)",
            "operationId": "ready",
            "responses": {
             "200": {
              "description": "Ready",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Status"
                }
               }
              }
             },
             "503": {
              "description": "Not ready",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Status"
                }
               }
              }
             }
            }
           }
          },
          "/health": {
           "get": {
            "tags": [
             "operations"
            ],
            "summary": "Health of the database",
            "operationId": "health",
            "responses": {
             "200": {
              "description": "OK",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Status"
                }
               }
              }
             },
             "503": {
              "description": "Database down",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Status"
                }
               }
              }
             }
            }
           }
          },
          "/metrics": {
           "get": {
            "tags": [
             "operations"
            ],
            "summary": "Prometheus metrics",
            "operationId": "metrics",
            "security": [
             {
              "basic": []
             }
            ],
            "responses": {
             "200": {
              "description": "Prometheus text format 0.0.4",
              "content": {
               "text/plain": {
                "schema": {
                 "type": "string"
                }
               }
              }
             },
             "401": {
              "$ref": "#/components/responses/Error"
             }
            }
           }
          },
          "/openapi.json": {
           "get": {
            "tags": [
             "operations"
            ],
            "summary": "This document",
            "operationId": "openapi",
            "responses": {
             "200": {
              "description": "OpenAPI 3.1",
              "content": {
               "application/json": {
                "schema": {
                 "type": "object"
                }
               }
              }
             }
            }
           }
          },
          "/docs": {
           "get": {
            "tags": [
             "operations"
            ],
            "summary": "Documentation page (served by the gateway, no third-party script)",
            "operationId": "docs",
            "responses": {
             "200": {
              "description": "HTML page",
              "content": {
               "text/html": {
                "schema": {
                 "type": "string"
                }
               }
              }
             }
            }
           }
          },
          "/docs/docs.js": {
           "get": {
            "tags": [
             "operations"
            ],
            "summary": "Script of the documentation page",
            "operationId": "docsScript",
            "responses": {
             "200": {
              "description": "Script of the documentation page",
              "content": {
               "text/javascript": {
                "schema": {
                 "type": "string"
                }
               }
              }
             }
            }
           }
          },
          "/docs/docs.css": {
           "get": {
            "tags": [
             "operations"
            ],
            "summary": "Style of the documentation page",
            "operationId": "docsStyle",
            "responses": {
             "200": {
              "description": "Style of the documentation page",
              "content": {
               "text/css": {
                "schema": {
                 "type": "string"
                }
               }
              }
             }
            }
           }
          },
          "/api/v1/users/me/api-keys": {
           "post": {
            "tags": [
             "users"
            ],
            "summary": "Create a personal API key (the secret is returned once)",
            "operationId": "createApiKey",
            "security": [
             {
              "bearer": []
             }
            ],
            "requestBody": {
             "required": true,
             "content": {
              "application/json": {
               "schema": {
                "$ref": "#/components/schemas/ApiKeyRequest"
               }
              }
             }
            },
            "responses": {
             "201": {
              "description": "Created",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/ApiKeyCreated"
                }
               }
              }
             },
             "401": {
              "$ref": "#/components/responses/Unauthorized"
             },
             "422": {
              "$ref": "#/components/responses/Validation"
             },
             "403": {
              "description": "An API key cannot create API keys; sign in with a password.",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Error"
                }
               }
              }
             }
            }
           },
           "get": {
            "tags": [
             "users"
            ],
            "summary": "Active API keys (never their secrets)",
            "operationId": "listApiKeys",
            "security": [
             {
              "bearer": []
             }
            ],
            "responses": {
             "200": {
              "description": "OK",
              "content": {
               "application/json": {
                "schema": {
                 "type": "array",
                 "items": {
                  "$ref": "#/components/schemas/ApiKey"
                 }
                }
               }
              }
             },
             "401": {
              "$ref": "#/components/responses/Unauthorized"
             }
            }
           }
          },
          "/api/v1/users/me/api-keys/{id}": {
           "delete": {
            "tags": [
             "users"
            ],
            "summary": "Revoke an API key",
            "operationId": "revokeApiKey",
            "security": [
             {
              "bearer": []
             }
            ],
            "parameters": [
             {
              "$ref": "#/components/parameters/Id"
             }
            ],
            "responses": {
             "204": {
              "description": "Revoked"
             },
             "401": {
              "$ref": "#/components/responses/Unauthorized"
             },
             "404": {
              "$ref": "#/components/responses/Error"
             }
            }
           }
          },
          "/api/v1/users/me/usage": {
           "get": {
            "tags": [
             "users"
            ],
            "summary": "Token usage by bot and day",
            "operationId": "usage",
            "security": [
             {
              "bearer": []
             }
            ],
            "parameters": [
             {
              "name": "from",
              "in": "query",
              "schema": {
               "type": "string",
               "format": "date"
              }
             },
             {
              "name": "to",
              "in": "query",
              "schema": {
               "type": "string",
               "format": "date"
              }
             }
            ],
            "responses": {
             "200": {
              "description": "OK",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/UsageReport"
                }
               }
              }
             },
             "401": {
              "$ref": "#/components/responses/Unauthorized"
             },
             "422": {
              "$ref": "#/components/responses/Validation"
             }
            }
           }
          },
          "/v1/models": {
           "get": {
            "tags": [
             "openai"
            ],
            "summary": "The configured bots as models",
            "operationId": "openaiModels",
            "security": [
             {
              "bearer": []
             }
            ],
            "responses": {
             "200": {
              "description": "OK",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/ModelList"
                }
               }
              }
             },
             "401": {
              "description": "Error in OpenAI's shape",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/OpenAIError"
                }
               }
              }
             }
            }
           }
          },
          "/v1/chat/completions": {
           "post": {
            "tags": [
             "openai"
            ],
            "summary": "OpenAI-compatible chat completion (JSON or stream)",
            "operationId": "openaiChatCompletions",
            "security": [
             {
              "bearer": []
             }
            ],
            "parameters": [
             {
              "name": "X-Conversation-Id",
              "in": "header",
              "schema": {
               "type": "string",
               "format": "uuid"
              },
              "description": "Store the turn in this conversation (created when new)"
             }
            ],
            "requestBody": {
             "required": true,
             "content": {
              "application/json": {
               "schema": {
                "$ref": "#/components/schemas/ChatCompletionRequest"
               }
              }
             }
            },
            "responses": {
             "200": {
              "description": "chat.completion, or chat.completion.chunk events ending with data: [DONE]",
              "content": {
               "application/json": {
                "schema": {
                 "type": "object"
                }
               },
               "text/event-stream": {
                "schema": {
                 "type": "string"
                }
               }
              }
             },
             "400": {
              "description": "Error in OpenAI's shape",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/OpenAIError"
                }
               }
              }
             },
             "401": {
              "description": "Error in OpenAI's shape",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/OpenAIError"
                }
               }
              }
             },
             "404": {
              "description": "Error in OpenAI's shape",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/OpenAIError"
                }
               }
              }
             },
             "429": {
              "description": "Error in OpenAI's shape",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/OpenAIError"
                }
               }
              }
             },
             "503": {
              "description": "Error in OpenAI's shape",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/OpenAIError"
                }
               }
              }
             },
             "504": {
              "description": "Error in OpenAI's shape",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/OpenAIError"
                }
               }
              }
             }
            }
           }
          }
         },
         "components": {
          "securitySchemes": {
           "bearer": {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT"
           },
           "basic": {
            "type": "http",
            "scheme": "basic"
           },
           "refreshCookie": {
            "type": "apiKey",
            "in": "cookie",
            "name": "refresh_token"
           }
          },
          "parameters": {
           "Id": {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
             "type": "string",
             "format": "uuid"
            }
           }
          },
          "headers": {
           "SetRefreshCookie": {
            "description": "refresh_token=…; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=…",
            "schema": {
             "type": "string"
            }
           },
           "ClearRefreshCookie": {
            "description": "refresh_token=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
            "schema": {
             "type": "string"
            }
           }
          },
          "responses": {
           "Token": {
            "description": "Access token; the refresh cookie is set",
            "headers": {
             "Set-Cookie": {
              "$ref": "#/components/headers/SetRefreshCookie"
             }
            },
            "content": {
             "application/json": {
              "schema": {
               "$ref": "#/components/schemas/Token"
              }
             }
            }
           },
           "CookieCleared": {
            "description": "Done; the refresh cookie is cleared",
            "headers": {
             "Set-Cookie": {
              "$ref": "#/components/headers/ClearRefreshCookie"
             }
            }
           },
           "Error": {
            "description": "Error",
            "content": {
             "application/json": {
              "schema": {
               "$ref": "#/components/schemas/Error"
              }
             }
            }
           },
           "ErrorClearingCookie": {
            "description": "Invalid or expired refresh token; the cookie is cleared",
            "headers": {
             "Set-Cookie": {
              "$ref": "#/components/headers/ClearRefreshCookie"
             }
            },
            "content": {
             "application/json": {
              "schema": {
               "$ref": "#/components/schemas/Error"
              }
             }
            }
           },
           "Unauthorized": {
            "description": "Missing or invalid bearer token",
            "headers": {
             "WWW-Authenticate": {
              "schema": {
               "type": "string",
               "const": "Bearer"
              }
             }
            },
            "content": {
             "application/json": {
              "schema": {
               "$ref": "#/components/schemas/Error"
              }
             }
            }
           },
           "Validation": {
            "description": "Validation failed",
            "content": {
             "application/json": {
              "schema": {
               "$ref": "#/components/schemas/ValidationError"
              }
             }
            }
           },
           "Busy": {
            "description": "Temporarily unavailable (database_unavailable, service_unavailable, server_busy, shutting_down); retry after Retry-After.",
            "headers": {
             "Retry-After": {
              "description": "Seconds to wait before retrying.",
              "schema": {
               "type": "integer"
              }
             }
            },
            "content": {
             "application/json": {
              "schema": {
               "$ref": "#/components/schemas/Error"
              }
             }
            }
           },
           "Limited": {
            "description": "Too many requests (too_many_requests, quota_exceeded, too_many_streams); retry after Retry-After.",
            "headers": {
             "Retry-After": {
              "description": "Seconds to wait before retrying.",
              "schema": {
               "type": "integer"
              }
             }
            },
            "content": {
             "application/json": {
              "schema": {
               "$ref": "#/components/schemas/Error"
              }
             }
            }
           }
          },
          "schemas": {
           "Error": {
            "type": "object",
            "required": [
             "detail",
             "code"
            ],
            "properties": {
             "detail": {
              "type": "string"
             },
             "code": {
              "type": "string"
             }
            }
           },
           "ValidationError": {
            "type": "object",
            "required": [
             "detail",
             "code"
            ],
            "properties": {
             "detail": {
              "type": "array",
              "items": {
               "$ref": "#/components/schemas/ValidationIssue"
              }
             },
             "code": {
              "type": "string"
             }
            }
           },
           "ValidationIssue": {
            "type": "object",
            "required": [
             "type",
             "loc",
             "msg",
             "input"
            ],
            "properties": {
             "type": {
              "type": "string"
             },
             "loc": {
              "type": "array",
              "items": {
               "type": [
                "string",
                "integer"
               ]
              }
             },
             "msg": {
              "type": "string"
             },
             "input": {},
             "ctx": {
              "type": "object"
             }
            }
           },
           "RegisterRequest": {
            "type": "object",
            "required": [
             "name",
             "email",
             "password"
            ],
            "properties": {
             "name": {
              "type": "string",
              "maxLength": 128
             },
             "email": {
              "type": "string",
              "format": "email",
              "maxLength": 256
             },
             "password": {
              "type": "string",
              "minLength": 8,
              "description": "A letter, a digit and one of !@#$%^&*"
             }
            }
           },
           "LoginRequest": {
            "type": "object",
            "required": [
             "email",
             "password"
            ],
            "properties": {
             "email": {
              "type": "string",
              "format": "email"
             },
             "password": {
              "type": "string",
              "minLength": 8
             }
            }
           },
           "User": {
            "type": "object",
            "required": [
             "id",
             "name",
             "email"
            ],
            "additionalProperties": false,
            "properties": {
             "id": {
              "type": "integer"
             },
             "name": {
              "type": "string"
             },
             "email": {
              "type": "string"
             }
            }
           },
           "Token": {
            "type": "object",
            "required": [
             "access_token",
             "token_type"
            ],
            "properties": {
             "access_token": {
              "type": "string"
             },
             "token_type": {
              "type": "string",
              "const": "bearer"
             }
            }
           },
           "Session": {
            "type": "object",
            "required": [
             "id",
             "created_at",
             "last_used_at",
             "expires_at",
             "current"
            ],
            "properties": {
             "id": {
              "type": "string",
              "format": "uuid"
             },
             "created_at": {
              "type": "string",
              "format": "date-time"
             },
             "last_used_at": {
              "type": "string",
              "format": "date-time"
             },
             "expires_at": {
              "type": "string",
              "format": "date-time"
             },
             "user_agent": {
              "type": [
               "string",
               "null"
              ]
             },
             "ip_address": {
              "type": [
               "string",
               "null"
              ]
             },
             "current": {
              "type": "boolean"
             }
            }
           },
           "ChatRequest": {
            "type": "object",
            "required": [
             "message"
            ],
            "properties": {
             "message": {
              "type": "string",
              "maxLength": 4096,
              "description": "Trimmed; must not be empty"
             },
             "conversation_id": {
              "type": "string",
              "format": "uuid",
              "description": "Continue this conversation"
             },
             "bot": {
              "type": "string",
              "description": "A name from GET /api/v1/bots; default bot when absent"
             }
            }
           },
           "Usage": {
            "type": "object",
            "required": [
             "input_tokens",
             "output_tokens"
            ],
            "properties": {
             "input_tokens": {
              "type": "integer"
             },
             "output_tokens": {
              "type": "integer"
             }
            }
           },
           "ChatResponse": {
            "type": "object",
            "required": [
             "response",
             "conversation_id",
             "bot",
             "message_id"
            ],
            "properties": {
             "response": {
              "type": "string"
             },
             "conversation_id": {
              "type": "string",
              "format": "uuid"
             },
             "bot": {
              "type": "string"
             },
             "message_id": {
              "type": "string",
              "format": "uuid"
             },
             "finish_reason": {
              "type": [
               "string",
               "null"
              ]
             },
             "usage": {
              "oneOf": [
               {
                "$ref": "#/components/schemas/Usage"
               },
               {
                "type": "null"
               }
              ]
             },
             "error": {
              "type": [
               "object",
               "null"
              ],
              "properties": {
               "code": {
                "type": "string"
               },
               "message": {
                "type": "string"
               }
              }
             },
             "suggestions": {
              "type": [
               "array",
               "null"
              ],
              "items": {
               "type": "string"
              }
             }
            }
           },
           "ChatEventStream": {
            "type": "string",
            "description": "Server-Sent Events. `event: start` data {conversation_id, message_id, bot}; `event: delta` data {text}; `event: end` data {finish_reason, usage, bot}; or `event: error` data {code, message, suggestions}."
           },
           "ConversationSummary": {
            "type": "object",
            "required": [
             "id",
             "title",
             "bot",
             "created_at",
             "updated_at"
            ],
            "properties": {
             "id": {
              "type": "string",
              "format": "uuid"
             },
             "title": {
              "type": "string"
             },
             "bot": {
              "type": "string"
             },
             "created_at": {
              "type": "string",
              "format": "date-time"
             },
             "updated_at": {
              "type": "string",
              "format": "date-time"
             }
            }
           },
           "ConversationPage": {
            "type": "object",
            "required": [
             "items"
            ],
            "properties": {
             "items": {
              "type": "array",
              "items": {
               "$ref": "#/components/schemas/ConversationSummary"
              }
             },
             "next_cursor": {
              "type": [
               "string",
               "null"
              ]
             }
            }
           },
           "Message": {
            "type": "object",
            "required": [
             "id",
             "role",
             "content",
             "status",
             "created_at"
            ],
            "properties": {
             "id": {
              "type": "string",
              "format": "uuid"
             },
             "role": {
              "type": "string",
              "enum": [
               "system",
               "user",
               "assistant"
              ]
             },
             "content": {
              "type": "string"
             },
             "bot": {
              "type": [
               "string",
               "null"
              ]
             },
             "status": {
              "type": "string",
              "enum": [
               "ok",
               "failed",
               "partial"
              ]
             },
             "finish_reason": {
              "type": [
               "string",
               "null"
              ]
             },
             "input_tokens": {
              "type": [
               "integer",
               "null"
              ]
             },
             "output_tokens": {
              "type": [
               "integer",
               "null"
              ]
             },
             "latency_ms": {
              "type": [
               "integer",
               "null"
              ]
             },
             "created_at": {
              "type": "string",
              "format": "date-time"
             }
            }
           },
           "ConversationDetail": {
            "allOf": [
             {
              "$ref": "#/components/schemas/ConversationSummary"
             },
             {
              "type": "object",
              "required": [
               "messages"
              ],
              "properties": {
               "messages": {
                "type": "array",
                "items": {
                 "$ref": "#/components/schemas/Message"
                }
               }
              }
             }
            ]
           },
           "Bot": {
            "type": "object",
            "required": [
             "name",
             "kind",
             "default",
             "fallback",
             "healthy",
             "detail"
            ],
            "properties": {
             "name": {
              "type": "string"
             },
             "kind": {
              "type": "string"
             },
             "default": {
              "type": "boolean"
             },
             "fallback": {
              "type": "boolean"
             },
             "healthy": {
              "type": "boolean"
             },
             "detail": {
              "type": "string"
             }
            }
           },
           "Status": {
            "type": "object",
            "required": [
             "status"
            ],
            "properties": {
             "status": {
              "type": "string"
             },
             "db": {
              "type": "string"
             }
            }
           },
           "ApiKeyRequest": {
            "type": "object",
            "required": [
             "name"
            ],
            "properties": {
             "name": {
              "type": "string",
              "maxLength": 100
             },
             "expires_in_days": {
              "type": [
               "integer",
               "null"
              ],
              "minimum": 1,
              "maximum": 3650
             }
            }
           },
           "ApiKey": {
            "type": "object",
            "required": [
             "id",
             "name",
             "prefix",
             "created_at"
            ],
            "properties": {
             "id": {
              "type": "string",
              "format": "uuid"
             },
             "name": {
              "type": "string"
             },
             "prefix": {
              "type": "string"
             },
             "created_at": {
              "type": "string",
              "format": "date-time"
             },
             "last_used_at": {
              "type": [
               "string",
               "null"
              ],
              "format": "date-time"
             },
             "expires_at": {
              "type": [
               "string",
               "null"
              ],
              "format": "date-time"
             }
            }
           },
           "ApiKeyCreated": {
            "allOf": [
             {
              "$ref": "#/components/schemas/ApiKey"
             },
             {
              "type": "object",
              "required": [
               "key"
              ],
              "properties": {
               "key": {
                "type": "string",
                "description": "The secret; shown only now"
               }
              }
             }
            ]
           },
           "UsageReport": {
            "type": "object",
            "required": [
             "from",
             "to",
             "days"
            ],
            "properties": {
             "from": {
              "type": "string",
              "format": "date"
             },
             "to": {
              "type": "string",
              "format": "date"
             },
             "days": {
              "type": "array",
              "items": {
               "type": "object",
               "properties": {
                "day": {
                 "type": "string",
                 "format": "date"
                },
                "bot": {
                 "type": "string"
                },
                "requests": {
                 "type": "integer"
                },
                "input_tokens": {
                 "type": "integer"
                },
                "output_tokens": {
                 "type": "integer"
                }
               }
              }
             },
             "total_input_tokens": {
              "type": "integer"
             },
             "total_output_tokens": {
              "type": "integer"
             }
            }
           },
           "ModelList": {
            "type": "object",
            "required": [
             "object",
             "data"
            ],
            "properties": {
             "object": {
              "const": "list"
             },
             "data": {
              "type": "array",
              "items": {
               "type": "object",
               "properties": {
                "id": {
                 "type": "string"
                },
                "object": {
                 "const": "model"
                },
                "created": {
                 "type": "integer"
                },
                "owned_by": {
                 "type": "string"
                }
               }
              }
             }
            }
           },
           "ChatCompletionRequest": {
            "type": "object",
            "required": [
             "model",
             "messages"
            ],
            "properties": {
             "model": {
              "type": "string"
             },
             "messages": {
              "type": "array",
              "minItems": 1,
              "items": {
               "type": "object",
               "required": [
                "role"
               ],
               "properties": {
                "role": {
                 "enum": [
                  "system",
                  "developer",
                  "user",
                  "assistant"
                 ]
                },
                "content": {}
               }
              }
             },
             "max_tokens": {
              "type": "integer",
              "minimum": 1
             },
             "max_completion_tokens": {
              "type": "integer",
              "minimum": 1
             },
             "temperature": {
              "type": "number",
              "minimum": 0,
              "maximum": 2
             },
             "stream": {
              "type": "boolean"
             },
             "stream_options": {
              "type": "object",
              "properties": {
               "include_usage": {
                "type": "boolean"
               }
              }
             }
            }
           },
           "OpenAIError": {
            "type": "object",
            "required": [
             "error"
            ],
            "properties": {
             "error": {
              "type": "object",
              "properties": {
               "message": {
                "type": "string"
               },
               "type": {
                "type": "string"
               },
               "code": {
                "type": "string"
               },
               "param": {}
              }
             }
            }
           }
          }
         }
        }
        """##
}
