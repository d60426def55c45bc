// Registration of each route family into the one table (see route_table.h).
#pragma once

#include "api/route_table.h"
#include "api/services.h"

namespace brainstem::api {

void add_cerebral_routes(RouteTable& table, Services& services);   // seed 000
void add_cerebral_agent_routes(RouteTable& table, Services& services);  // seed 000: messages, customers, webhooks
void add_agent_routes(RouteTable& table, Services& services);       // agent management (+ seed 004 config)
void add_cerebrum_routes(RouteTable& table, Services& services);   // seed 001
void add_cendriix_routes(RouteTable& table, Services& services);   // seed 002
void add_conversation_routes(RouteTable& table, Services& services);  // seed 002: conversations
void add_orchestration_routes(RouteTable& table, Services& services);  // seed 002: workflows and runs
void add_mcp_routes(RouteTable& table, Services& services);  // seed 002: MCP connectors and tools
void add_mcp_server_routes(RouteTable& table, Services& services);  // POST/DELETE /mcp: brainstem as an MCP server
void add_a2a_routes(RouteTable& table, Services& services);  // seed 002: the A2A gateway
void add_cortex_routes(RouteTable& table, Services& services);     // seed 004
void add_cortex_chat_routes(RouteTable& table, Services& services);  // seed 004: /v1/chat, memory, cache
void add_knowledge_routes(RouteTable& table, Services& services);    // seed 004: /v1/knowledge/*
void add_cellstate_routes(RouteTable& table, Services& services);    // seed 003: /api/v1/* memory
void add_cellstate_account_routes(RouteTable& table, Services& services);  // seed 003: keys, users, tenants
void add_openai_routes(RouteTable& table, Services& services);     // the OpenAI API
void add_anthropic_routes(RouteTable& table, Services& services);  // the Anthropic Messages API
// /openapi.json and /metrics; /openapi.json describes the table as it stands when served.
void add_system_routes(RouteTable& table, Services& services);

void add_all_routes(RouteTable& table, Services& services);

}  // namespace brainstem::api
