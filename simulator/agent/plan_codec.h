// The one codec for typed plan data that crosses a process boundary: the
// agent's request (its step's AgentFaultPlan with the scenario's enums) goes
// to `bdbsim __agent` as JSON written and read here, so no process re-parses
// strings into its own enums. Pure functions; thread-safe.
#pragma once

#include <string>

#include "base/status.h"
#include "simulator/agent/backup_agent.h"

namespace bdb::sim {

std::string AgentRequestToJson(const AgentRequest& request);
// InvalidArgument "agent request: <why>" for bad JSON, a missing key or an
// unknown enum spelling.
Status AgentRequestFromJson(const std::string& json, AgentRequest* request);

}  // namespace bdb::sim
