// Keeps the simulator library non-empty until its modules land.
namespace bdb::sim {}
