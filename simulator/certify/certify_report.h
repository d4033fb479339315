// The certification report: certification.json (for records and programs)
// and certification.html (one self-contained page for people: inline CSS and
// SVG, no script, no network, every text from the run escaped), in the style
// of the simulator's report (simulator/report/). It shows the verdict and
// counts of the featured check, the first lost commit and when it was
// acknowledged, the device's measurements, the acknowledgement rate over the
// run, every cut of the record with the per-device failure rate and its
// confidence interval, and the oracle's findings. Stateless functions.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "simulator/certify/certification_record.h"
#include "simulator/certify/certify_check.h"

namespace bdb::sim::certify {

struct CertificationReport {
  std::string cut = "real power cut";  // or "simulated cut, <behaviour> device"
  CheckResult check;                   // the featured check (the latest, or a simulation's first failing trial)
  CertificationRecord record;          // every cut so far (at least the featured one)
  nlohmann::json settings = nlohmann::json::object();  // command line, simulation settings, versions
};

nlohmann::json CertificationReportToJson(const CertificationReport& report);
std::string RenderCertificationHtml(const CertificationReport& report);
// Creates dir if needed and writes certification.json and certification.html atomically.
Status WriteCertificationReport(const CertificationReport& report, const std::string& dir);

}  // namespace bdb::sim::certify
