// sFlow v5 datagram decoding and encoding (sFlow v5 specification, sections 5.1-5.4).
#include "cistern/sflow/codec.h"

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "cistern/base/byte_reader.h"
#include "cistern/base/byte_writer.h"
#include "src/xdr_codec.h"

namespace cistern::sflow {
namespace {

using internal::FieldReader;
using internal::FieldWriter;
using internal::FormatTable;

// Debian's Abseil has its own string_view type: convert explicitly at StrCat.
absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

std::string TagString(Tag tag) { return absl::StrCat(tag.enterprise, ":", tag.format); }

// Where decoding failed, described for the error message.
struct Failure {
  std::string what;
  size_t at = 0;  // byte offset in the datagram
  absl::StatusCode code = absl::StatusCode::kInvalidArgument;
};

// ---- records ----

// Decodes the record body `body` (already confined to its length) as the alternative `T`.
template <class Record, class T>
bool DecodeAs(ByteReader& body, Record* record, Failure* failure, size_t base) {
  T& value = record->data.template emplace<T>();
  FieldReader reader{body};
  T::Fields(value, reader);
  if (!body.ok()) {
    failure->what = absl::StrCat(AV(reader.failed_field), " truncated or invalid");
    failure->at = base + reader.failed_at;
    return false;
  }
  return true;
}

template <class Record, class Variant>
struct RecordDecoders;

template <class Record, class Unknown, class... Known>
struct RecordDecoders<Record, std::variant<Unknown, Known...>> {
  using Fn = bool (*)(ByteReader&, Record*, Failure*, size_t);
  static constexpr Fn kDecode[] = {nullptr, &DecodeAs<Record, Known>...};
  static constexpr std::string_view kNames[] = {Unknown::kName, Known::kName...};
};

template <class Record>
std::string_view RecordName(const Record& r) {
  using Table = RecordDecoders<Record, decltype(r.data)>;
  return Table::kNames[r.data.index()];
}

// Decodes `count` records (tag, length, body) into `pool`; returns false with `failure` set.
template <class Record>
bool DecodeRecords(ByteReader& r, uint32_t count, const DecodeOptions& options,
                   std::vector<Record>* pool, size_t base, uint64_t* unknown, Failure* failure) {
  using Data = decltype(Record{}.data);
  using Table = RecordDecoders<Record, Data>;
  if (count > options.max_records_per_sample) {
    failure->what = absl::StrCat("record count ", count, " exceeds the limit of ",
                                 options.max_records_per_sample);
    failure->at = base + r.offset() - 4;
    failure->code = absl::StatusCode::kResourceExhausted;
    return false;
  }
  for (uint32_t i = 0; i < count; ++i) {
    const size_t record_at = base + r.offset();
    uint32_t packed = 0, length = 0;
    ByteReader body;
    if (!r.ReadU32(&packed) || !r.ReadU32(&length) || !r.Sub(length, &body)) {
      failure->what = absl::StrCat("record ", i + 1, " of ", count, ": header or length (",
                                   length, " bytes) runs past the end of its sample");
      failure->at = record_at;
      return false;
    }
    Record& record = pool->emplace_back();
    record.tag = Tag::Unpack(packed);
    record.trailing = Bytes();
    record.wire = Bytes(body.data());
    const size_t body_base = base + r.offset() - length;
    const size_t index = FormatTable<Data>::IndexOf(record.tag);
    if (index == 0) {
      record.data.template emplace<0>().body = Bytes(body.data());
      ++*unknown;
      continue;
    }
    Failure inner;
    if (!Table::kDecode[index](body, &record, &inner, body_base)) {
      failure->what = absl::StrCat("record ", i + 1, " (", TagString(record.tag), " ",
                                   AV(Table::kNames[index]), "): ", inner.what);
      failure->at = inner.at;
      failure->code = inner.code;
      pool->pop_back();
      return false;
    }
    // Bytes beyond the fields we know: a newer revision of the structure. Kept, not an error.
    if (!body.empty()) {
      std::span<const uint8_t> rest;
      body.ReadBytes(body.remaining(), &rest);
      record.trailing = Bytes(rest);
    }
  }
  return true;
}

// ---- samples ----

bool DecodeFlowSample(ByteReader& r, bool expanded, Datagram* dg, const DecodeOptions& options,
                      size_t base, DecodeStats* stats, FlowSample* out, Failure* failure) {
  out->expanded = expanded;
  r.ReadU32(&out->sequence_number);
  if (expanded) {
    r.ReadU32(&out->source.type);
    r.ReadU32(&out->source.index);
  } else {
    uint32_t source;
    r.ReadU32(&source);
    out->source = DataSource{source >> 24, source & 0x00ffffffu};
  }
  r.ReadU32(&out->sampling_rate);
  r.ReadU32(&out->sample_pool);
  r.ReadU32(&out->drops);
  if (expanded) {
    r.ReadU32(&out->input.format);
    r.ReadU32(&out->input.value);
    r.ReadU32(&out->output.format);
    r.ReadU32(&out->output.value);
  } else {
    uint32_t in, outp;
    r.ReadU32(&in);
    r.ReadU32(&outp);
    out->input = Interface{in >> 30, in & 0x3fffffffu};
    out->output = Interface{outp >> 30, outp & 0x3fffffffu};
  }
  uint32_t count = 0;
  if (!r.ReadU32(&count)) {
    failure->what = "sample header truncated";
    failure->at = base + r.offset();
    return false;
  }
  const size_t first = dg->flow_record_pool.size();
  uint64_t unknown = 0;
  bool ok = DecodeRecords(r, count, options, &dg->flow_record_pool, base, &unknown, failure);
  if (stats) {
    stats->unknown_records += unknown;
    stats->flow_records += dg->flow_record_pool.size() - first;
  }
  out->records = std::span<const FlowRecord>(dg->flow_record_pool.data() + first,
                                             dg->flow_record_pool.size() - first);
  return ok;
}

bool DecodeCountersSample(ByteReader& r, bool expanded, Datagram* dg,
                          const DecodeOptions& options, size_t base, DecodeStats* stats,
                          CountersSample* out, Failure* failure) {
  out->expanded = expanded;
  r.ReadU32(&out->sequence_number);
  if (expanded) {
    r.ReadU32(&out->source.type);
    r.ReadU32(&out->source.index);
  } else {
    uint32_t source;
    r.ReadU32(&source);
    out->source = DataSource{source >> 24, source & 0x00ffffffu};
  }
  uint32_t count = 0;
  if (!r.ReadU32(&count)) {
    failure->what = "sample header truncated";
    failure->at = base + r.offset();
    return false;
  }
  const size_t first = dg->counter_record_pool.size();
  uint64_t unknown = 0;
  bool ok = DecodeRecords(r, count, options, &dg->counter_record_pool, base, &unknown, failure);
  if (stats) {
    stats->unknown_records += unknown;
    stats->counter_records += dg->counter_record_pool.size() - first;
  }
  out->records = std::span<const CounterRecord>(dg->counter_record_pool.data() + first,
                                                dg->counter_record_pool.size() - first);
  return ok;
}

bool DecodeDiscardSample(ByteReader& r, Datagram* dg, const DecodeOptions& options, size_t base,
                         DecodeStats* stats, DiscardedPacketSample* out, Failure* failure) {
  r.ReadU32(&out->sequence_number);
  r.ReadU32(&out->source.type);
  r.ReadU32(&out->source.index);
  r.ReadU32(&out->drops);
  r.ReadU32(&out->input);
  r.ReadU32(&out->output);
  r.ReadU32(&out->reason);
  uint32_t count = 0;
  if (!r.ReadU32(&count)) {
    failure->what = "sample header truncated";
    failure->at = base + r.offset();
    return false;
  }
  const size_t first = dg->flow_record_pool.size();
  uint64_t unknown = 0;
  bool ok = DecodeRecords(r, count, options, &dg->flow_record_pool, base, &unknown, failure);
  if (stats) {
    stats->unknown_records += unknown;
    stats->flow_records += dg->flow_record_pool.size() - first;
  }
  out->records = std::span<const FlowRecord>(dg->flow_record_pool.data() + first,
                                             dg->flow_record_pool.size() - first);
  return ok;
}

absl::Status Malformed(size_t sample_index, Tag tag, const Failure& failure) {
  return absl::Status(failure.code,
                      absl::StrCat("sflow: sample ", sample_index, " (", TagString(tag), " ",
                                   AV(SampleName(tag)), "), ", failure.what, " at byte ",
                                   failure.at));
}

absl::Status DecodeSamples(ByteReader& r, uint32_t count, Datagram* out,
                           const DecodeOptions& options, DecodeStats* stats) {
  for (uint32_t i = 0; i < count; ++i) {
    const size_t sample_at = r.offset();
    uint32_t packed = 0, length = 0;
    ByteReader body;
    if (!r.ReadU32(&packed) || !r.ReadU32(&length)) {
      return absl::InvalidArgumentError(absl::StrCat("sflow: sample ", i + 1, " of ", count,
                                                     ": header truncated at byte ", sample_at));
    }
    const Tag tag = Tag::Unpack(packed);
    if (!r.Sub(length, &body)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "sflow: sample ", i + 1, " of ", count, " (", TagString(tag), " ", AV(SampleName(tag)),
          "): length ", length, " runs past the end of the datagram (", r.remaining(),
          " bytes left) at byte ", sample_at));
    }
    const size_t base = sample_at + 8;
    Sample& sample = out->samples.emplace_back();
    sample.tag = tag;
    sample.trailing = Bytes();
    Failure failure;
    bool ok = true;
    if (tag.enterprise != 0 || tag.format < kFlowSampleFormat ||
        tag.format > kDiscardedPacketSampleFormat) {
      sample.data.emplace<UnknownSample>().body = Bytes(body.data());
      if (stats) ++stats->unknown_samples;
    } else if (tag.format == kFlowSampleFormat || tag.format == kExpandedFlowSampleFormat) {
      ok = DecodeFlowSample(body, tag.format == kExpandedFlowSampleFormat, out, options, base,
                            stats, &sample.data.emplace<FlowSample>(), &failure);
    } else if (tag.format == kCountersSampleFormat ||
               tag.format == kExpandedCountersSampleFormat) {
      ok = DecodeCountersSample(body, tag.format == kExpandedCountersSampleFormat, out, options,
                                base, stats, &sample.data.emplace<CountersSample>(), &failure);
    } else {
      ok = DecodeDiscardSample(body, out, options, base, stats,
                               &sample.data.emplace<DiscardedPacketSample>(), &failure);
    }
    if (!ok) {
      out->samples.pop_back();  // the samples before this one stay decoded
      return Malformed(i + 1, tag, failure);
    }
    if (!std::holds_alternative<UnknownSample>(sample.data) && !body.empty()) {
      std::span<const uint8_t> rest;
      body.ReadBytes(body.remaining(), &rest);
      sample.trailing = Bytes(rest);
    }
    if (stats) ++stats->samples;
  }
  return absl::OkStatus();
}

// ---- encoding ----

// Returns false if a record holds a value its wire form cannot represent.
template <class Record>
bool EncodeRecords(std::span<const Record> records, ByteWriter& w) {
  w.WriteU32(static_cast<uint32_t>(records.size()));
  for (const Record& record : records) {
    w.WriteU32(record.tag.packed());
    const size_t len_at = w.ReserveU32();
    const size_t body_at = w.size();
    FieldWriter writer{w};
    std::visit(
        [&](const auto& value) {
          using T = std::decay_t<decltype(value)>;
          if constexpr (requires { T::kFormat; }) {
            T::Fields(value, writer);
          } else {
            w.WriteBytes(value.body.span());
          }
        },
        record.data);
    if (!writer.ok) return false;
    w.WriteBytes(record.trailing.span());
    const size_t body_size = w.size() - body_at;
    // A decoded record whose layout is unchanged gets its agent's padding bytes back, so that
    // encode(decode(bytes)) == bytes even where an agent did not zero its XDR padding.
    if (record.wire.size() == body_size && !writer.too_many_paddings) {
      for (size_t i = 0; i < writer.padding_count; ++i) {
        const auto& pad = writer.paddings[i];
        for (size_t k = 0; k < pad.size; ++k) {
          w.PatchU8(pad.at + k, record.wire[pad.at - body_at + k]);
        }
      }
    }
    w.PatchU32(len_at, static_cast<uint32_t>(body_size));
  }
  return true;
}

absl::Status EncodeSample(const Sample& sample, size_t index, ByteWriter& w) {
  w.WriteU32(sample.tag.packed());
  const size_t len_at = w.ReserveU32();
  auto bad = [&](std::string_view what) {
    return absl::InvalidArgumentError(
        absl::StrCat("sflow: cannot encode sample ", index, ": ", AV(what)));
  };
  if (const auto* f = std::get_if<FlowSample>(&sample.data)) {
    w.WriteU32(f->sequence_number);
    if (f->expanded) {
      w.WriteU32(f->source.type);
      w.WriteU32(f->source.index);
    } else {
      if (f->source.type > 0xff || f->source.index > 0xffffff)
        return bad("source id does not fit a compact flow sample");
      w.WriteU32((f->source.type << 24) | f->source.index);
    }
    w.WriteU32(f->sampling_rate);
    w.WriteU32(f->sample_pool);
    w.WriteU32(f->drops);
    if (f->expanded) {
      w.WriteU32(f->input.format);
      w.WriteU32(f->input.value);
      w.WriteU32(f->output.format);
      w.WriteU32(f->output.value);
    } else {
      for (const Interface& i : {f->input, f->output}) {
        if (i.format > 3 || i.value > 0x3fffffff)
          return bad("interface does not fit a compact flow sample");
        w.WriteU32((i.format << 30) | i.value);
      }
    }
    if (!EncodeRecords(f->records, w)) return bad("a record holds an address of unknown type");
  } else if (const auto* c = std::get_if<CountersSample>(&sample.data)) {
    w.WriteU32(c->sequence_number);
    if (c->expanded) {
      w.WriteU32(c->source.type);
      w.WriteU32(c->source.index);
    } else {
      if (c->source.type > 0xff || c->source.index > 0xffffff)
        return bad("source id does not fit a compact counters sample");
      w.WriteU32((c->source.type << 24) | c->source.index);
    }
    if (!EncodeRecords(c->records, w)) return bad("a record holds an address of unknown type");
  } else if (const auto* d = std::get_if<DiscardedPacketSample>(&sample.data)) {
    w.WriteU32(d->sequence_number);
    w.WriteU32(d->source.type);
    w.WriteU32(d->source.index);
    w.WriteU32(d->drops);
    w.WriteU32(d->input);
    w.WriteU32(d->output);
    w.WriteU32(d->reason);
    if (!EncodeRecords(d->records, w)) return bad("a record holds an address of unknown type");
  } else {
    w.WriteBytes(std::get<UnknownSample>(sample.data).body.span());
  }
  w.WriteBytes(sample.trailing.span());
  w.PatchU32(len_at, static_cast<uint32_t>(w.size() - len_at - 4));
  return absl::OkStatus();
}

}  // namespace

absl::Status DecodeInto(std::span<const uint8_t> bytes, Datagram* out,
                        const DecodeOptions& options, DecodeStats* stats) {
  // Every field is reset, so that a datagram that fails early shows nothing of the previous one.
  out->version = 0;
  out->agent = Address();
  out->sub_agent_id = 0;
  out->sequence_number = 0;
  out->uptime_ms = 0;
  out->samples.clear();
  out->flow_record_pool.clear();
  out->counter_record_pool.clear();
  out->trailing = Bytes();
  // Every record takes at least 8 bytes (tag and length), so this bounds the pools: reserving it
  // up front means they never reallocate mid-datagram, and the samples' record spans stay valid.
  // Capacity only grows, so a reused Datagram stops allocating once it has seen its largest input.
  out->flow_record_pool.reserve(bytes.size() / 8);
  out->counter_record_pool.reserve(bytes.size() / 8);
  if (stats) ++stats->datagrams;

  ByteReader r(bytes);
  uint32_t count = 0;
  absl::Status status;
  if (!r.ReadU32(&out->version)) {
    status = absl::InvalidArgumentError("sflow: datagram shorter than its version field");
  } else if (out->version != 5) {
    if (stats) ++stats->unsupported;
    return absl::UnimplementedError(
        absl::StrCat("sflow: datagram version ", out->version, " is not supported (only 5)"));
  } else if (internal::FieldReader reader{r}; reader("agent", out->agent), !r.ok()) {
    status = absl::InvalidArgumentError(
        absl::StrCat("sflow: datagram header: agent address truncated or of unknown type at byte ",
                     reader.failed_at));
  } else if (!r.ReadU32(&out->sub_agent_id) || !r.ReadU32(&out->sequence_number) ||
             !r.ReadU32(&out->uptime_ms) || !r.ReadU32(&count)) {
    status = absl::InvalidArgumentError(
        absl::StrCat("sflow: datagram header truncated at byte ", r.offset()));
  } else if (count > options.max_samples) {
    status = absl::ResourceExhaustedError(absl::StrCat(
        "sflow: datagram claims ", count, " samples, over the limit of ", options.max_samples));
  } else {
    out->samples.reserve(count < 64 ? count : 64);
    status = DecodeSamples(r, count, out, options, stats);
    if (status.ok() && !r.empty()) {
      // Vendor quirk: some agents pad datagrams past the last sample. Tolerated and kept.
      std::span<const uint8_t> rest;
      r.ReadBytes(r.remaining(), &rest);
      out->trailing = Bytes(rest);
    }
  }
  if (!status.ok() && stats) ++stats->malformed;
  return status;
}

absl::StatusOr<Datagram> Decode(std::span<const uint8_t> bytes, const DecodeOptions& options) {
  Datagram dg;
  absl::Status s = DecodeInto(bytes, &dg, options);
  if (!s.ok()) return s;
  return dg;
}

absl::Status Encode(const Datagram& datagram, std::vector<uint8_t>* out) {
  if (datagram.agent.type != Address::Type::kIPv4 && datagram.agent.type != Address::Type::kIPv6 &&
      datagram.agent.type != Address::Type::kUnknown) {
    return absl::InvalidArgumentError("sflow: cannot encode an agent address of unknown type");
  }
  const size_t start = out->size();
  ByteWriter w(out);
  w.WriteU32(datagram.version);
  internal::WriteField(w, datagram.agent);
  w.WriteU32(datagram.sub_agent_id);
  w.WriteU32(datagram.sequence_number);
  w.WriteU32(datagram.uptime_ms);
  w.WriteU32(static_cast<uint32_t>(datagram.samples.size()));
  for (size_t i = 0; i < datagram.samples.size(); ++i) {
    absl::Status s = EncodeSample(datagram.samples[i], i + 1, w);
    if (!s.ok()) {
      out->resize(start);
      return s;
    }
  }
  w.WriteBytes(datagram.trailing.span());
  return absl::OkStatus();
}

absl::Status DecodeFlowRecords(const PduList::Pdu& pdu, std::vector<FlowRecord>* out,
                               const DecodeOptions& options) {
  ByteReader r(pdu.records);
  Failure failure;
  uint64_t unknown = 0;
  // DecodeRecords appends to `out`, whose storage may move: callers take spans only afterwards.
  if (!DecodeRecords(r, pdu.record_count, options, out, 0, &unknown, &failure)) {
    return absl::InvalidArgumentError(absl::StrCat("sflow: aggregated PDU, ", failure.what,
                                                   " at byte ", failure.at, " of the PDU"));
  }
  return absl::OkStatus();
}

std::string_view FlowRecordName(const FlowRecordData& data) {
  return RecordDecoders<FlowRecord, FlowRecordData>::kNames[data.index()];
}

std::string_view CounterRecordName(const CounterRecordData& data) {
  return RecordDecoders<CounterRecord, CounterRecordData>::kNames[data.index()];
}

std::string_view SampleName(Tag tag) {
  if (tag.enterprise != 0) return "unknown";
  switch (tag.format) {
    case kFlowSampleFormat:
      return "flow_sample";
    case kCountersSampleFormat:
      return "counters_sample";
    case kExpandedFlowSampleFormat:
      return "flow_sample_expanded";
    case kExpandedCountersSampleFormat:
      return "counters_sample_expanded";
    case kDiscardedPacketSampleFormat:
      return "discarded_packet";
    default:
      return "unknown";
  }
}

}  // namespace cistern::sflow
