// libproto's decoder, protocol by protocol: every field of every header, the layer list (offset,
// length, depth, quoted), the outer and inner flow summaries, the stop state, and each
// DecodeOptions knob. Frames come from frame_builder.h; expected values are the ones written into
// them, never the decoder's own output.
#include "cistern/proto/decoder.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "cistern/proto/packet.h"
#include "frame_builder.h"
#include "packet_invariants.h"
#include "proto_test_support.h"

namespace cistern::proto {
namespace {

using testing::Addr;
using testing::Be16;
using testing::BuiltLayer;
using testing::Bytes;
using testing::CheckLayers;
using testing::DecodeChecked;
using testing::FrameBuilder;
using testing::GeneveOption;
using testing::Ip6Bytes;
using testing::kIpA;
using testing::kIpB;
using testing::kIpC;
using testing::kIpD;
using testing::kMacA;
using testing::kMacB;
using testing::kMacC;
using testing::kMacD;
using testing::TcpOptions;
using testing::V6;

using Depth = DecodeOptions::Depth;

TEST_CASE("Ethernet II, IPv4 and UDP: every field", "[proto][ethernet][ipv4][udp]") {
  FrameBuilder b;
  b.Ethernet(kMacB, kMacA)
      .Ipv4({.src = kIpA,
             .dst = kIpB,
             .dscp = 10,
             .ecn = 2,
             .id = 0xbeef,
             .dont_fragment = true,
             .ttl = 57})
      .Udp({.src_port = 53000, .dst_port = 53})
      .Payload(20);
  Bytes f = b.Build();
  REQUIRE(f.size() == 62);
  REQUIRE(testing::InternetChecksum(f, 14, 34) == 0);  // the builder's checksum is right

  Packet p = DecodeChecked(f);
  CheckLayers(p, b.layers());
  CHECK(p.layers()[0].offset == 0);
  CHECK(p.layers()[1].offset == 14);
  CHECK(p.layers()[1].length == 20);
  CHECK(p.layers()[2].offset == 34);
  CHECK(p.layers()[2].length == 8);
  CHECK(p.stop == StopReason::kComplete);
  CHECK(p.stop_offset == 42);  // where the payload begins
  CHECK(p.tunnel_depth == 0);

  REQUIRE(p.ethernet.size() == 1);
  CHECK(p.ethernet[0].dst == kMacB);
  CHECK(p.ethernet[0].src == kMacA);
  CHECK(p.ethernet[0].type_or_length == 0x0800);

  REQUIRE(p.ipv4.size() == 1);
  const Ipv4Header& ip = p.ipv4[0];
  CHECK(ip.header_length == 20);
  CHECK(ip.dscp == 10);
  CHECK(ip.ecn == 2);
  CHECK(ip.total_length == 48);
  CHECK(ip.id == 0xbeef);
  CHECK(ip.dont_fragment);
  CHECK_FALSE(ip.more_fragments);
  CHECK(ip.fragment_offset == 0);
  CHECK(ip.ttl == 57);
  CHECK(ip.protocol == 17);
  CHECK(ip.checksum == Be16(f, 24));
  CHECK(ip.src == kIpA);
  CHECK(ip.dst == kIpB);

  REQUIRE(p.udp.size() == 1);
  CHECK(p.udp[0].src_port == 53000);
  CHECK(p.udp[0].dst_port == 53);
  CHECK(p.udp[0].length == 28);
  CHECK(p.udp[0].checksum == Be16(f, 40));
  CHECK(p.udp[0].checksum != 0);

  const FlowSummary& o = p.outer;
  CHECK(o.present);
  CHECK(o.src == Addr(kIpA));
  CHECK(o.dst == Addr(kIpB));
  CHECK(o.protocol == 17);
  CHECK(o.dscp == 10);
  CHECK(o.ecn == 2);
  CHECK(o.ttl == 57);
  CHECK(o.ip_length == 48);
  CHECK(o.fragment == Fragment::kNone);
  CHECK(o.has_ports);
  CHECK(o.src_port == 53000);
  CHECK(o.dst_port == 53);
  CHECK_FALSE(o.has_icmp);
  CHECK(o.tcp_flags == 0);
  CHECK(o.ip_layer == 1);
  CHECK(testing::Same(p.inner, p.outer));  // no tunnel: the same packet
}

TEST_CASE("IEEE 802.3 with LLC: length field and LLC header", "[proto][ethernet][llc]") {
  SECTION("plain LLC (spanning tree) is not decoded further") {
    FrameBuilder b;
    b.Ethernet({0x01, 0x80, 0xc2, 0x00, 0x00, 0x00}, kMacA)
        .Llc(0x42, 0x42, 0x03)
        .Payload(35)
        .PadTo(60);
    Bytes f = b.Build();
    Packet p = DecodeChecked(f);
    CheckLayers(p, b.layers());
    CHECK(p.ethernet[0].type_or_length == 38);  // LLC (3) + BPDU (35), not the padding
    REQUIRE(p.llc.size() == 1);
    CHECK(p.llc[0].dsap == 0x42);
    CHECK(p.llc[0].ssap == 0x42);
    CHECK(p.llc[0].control == 0x03);
    CHECK_FALSE(p.llc[0].snap);
    CHECK(p.llc[0].oui == 0);
    CHECK(p.llc[0].protocol_id == 0);
    CHECK(p.stop == StopReason::kUnsupported);
    CHECK(p.stop_offset == 17);
    CHECK_FALSE(p.outer.present);
  }
  SECTION("SNAP with OUI 0 carries an EtherType") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .LlcSnap()
        .Ipv4({.src = kIpA, .dst = kIpB})
        .Udp({.src_port = 1000, .dst_port = 2000});
    Bytes f = b.Build();
    Packet p = DecodeChecked(f);
    CheckLayers(p, b.layers());
    CHECK(p.ethernet[0].type_or_length == 36);  // 8 + 20 + 8
    REQUIRE(p.llc.size() == 1);
    CHECK(p.llc[0].dsap == 0xaa);
    CHECK(p.llc[0].ssap == 0xaa);
    CHECK(p.llc[0].control == 0x03);
    CHECK(p.llc[0].snap);
    CHECK(p.llc[0].oui == 0);
    CHECK(p.llc[0].protocol_id == 0x0800);
    CHECK(p.layers()[2].offset == 22);
    CHECK(p.stop == StopReason::kComplete);
    CHECK(p.outer.has_ports);
    CHECK(p.outer.dst_port == 2000);
  }
  SECTION("SNAP with another OUI is not followed") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA).LlcSnap(0x00000c, 0x2000).Payload(30);  // Cisco CDP
    Bytes f = b.Build();
    Packet p = DecodeChecked(f);
    CheckLayers(p, b.layers());
    CHECK(p.llc[0].snap);
    CHECK(p.llc[0].oui == 0x00000c);
    CHECK(p.llc[0].protocol_id == 0x2000);
    CHECK(p.stop == StopReason::kUnsupported);
    CHECK(p.stop_offset == 22);
  }
}

TEST_CASE("802.1Q and 802.1ad tags", "[proto][vlan]") {
  SECTION("one 802.1Q tag") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Vlan({.id = 4094, .priority = 7})
        .Ipv4({.src = kIpA, .dst = kIpB})
        .Udp({.src_port = 1, .dst_port = 2});
    Bytes f = b.Build();
    Packet p = DecodeChecked(f);
    CheckLayers(p, b.layers());
    CHECK(p.layers()[1].offset == 14);
    CHECK(p.layers()[1].length == 4);
    CHECK(p.ethernet[0].type_or_length == 0x8100);
    REQUIRE(p.vlan.size() == 1);
    CHECK(p.vlan[0].tpid == 0x8100);
    CHECK(p.vlan[0].priority == 7);
    CHECK_FALSE(p.vlan[0].drop_eligible);
    CHECK(p.vlan[0].id == 4094);
    CHECK(p.vlan[0].type == 0x0800);
    CHECK(p.stop == StopReason::kComplete);
    CHECK(p.outer.has_ports);
  }
  SECTION("802.1ad service tag then 802.1Q customer tag") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Vlan({.id = 2000, .priority = 3, .drop_eligible = true, .tpid = 0x88a8})
        .Vlan({.id = 42})
        .Ipv6({.src = V6(1), .dst = V6(2)})
        .Tcp({.src_port = 5, .dst_port = 6, .flags = kTcpSyn});
    Bytes f = b.Build();
    Packet p = DecodeChecked(f);
    CheckLayers(p, b.layers());
    CHECK(p.ethernet[0].type_or_length == 0x88a8);
    REQUIRE(p.vlan.size() == 2);
    CHECK(p.vlan[0].tpid == 0x88a8);
    CHECK(p.vlan[0].priority == 3);
    CHECK(p.vlan[0].drop_eligible);
    CHECK(p.vlan[0].id == 2000);
    CHECK(p.vlan[0].type == 0x8100);
    CHECK(p.vlan[1].tpid == 0x8100);
    CHECK(p.vlan[1].priority == 0);
    CHECK_FALSE(p.vlan[1].drop_eligible);
    CHECK(p.vlan[1].id == 42);
    CHECK(p.vlan[1].type == 0x86dd);
    CHECK(p.layers()[3].offset == 22);
    CHECK(p.outer.tcp_flags == kTcpSyn);
  }
  SECTION("legacy 0x9100 service tag") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Vlan({.id = 300, .tpid = 0x9100})
        .Vlan({.id = 1})
        .Arp({.sender_ip = kIpA, .target_ip = kIpB});
    Bytes f = b.Build();
    Packet p = DecodeChecked(f);
    CheckLayers(p, b.layers());
    REQUIRE(p.vlan.size() == 2);
    CHECK(p.vlan[0].tpid == 0x9100);
    CHECK(p.vlan[0].id == 300);
    CHECK(p.vlan[0].type == 0x8100);
    CHECK(p.vlan[1].type == 0x0806);
    CHECK(p.arp.size() == 1);
  }
  SECTION("priority tag (VID 0) followed by an 802.3 length and LLC") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA).Vlan({.id = 0, .priority = 6}).Llc(0x42, 0x42, 3).Payload(35);
    Bytes f = b.Build();
    Packet p = DecodeChecked(f);
    CheckLayers(p, b.layers());
    CHECK(p.vlan[0].id == 0);
    CHECK(p.vlan[0].priority == 6);
    CHECK(p.vlan[0].type == 38);
    CHECK(p.llc[0].dsap == 0x42);
  }
}

TEST_CASE("MPLS label stack followed by IPv4 or IPv6", "[proto][mpls]") {
  SECTION("two labels, then IPv4") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Mpls({.label = 16001, .traffic_class = 5, .bottom_of_stack = false, .ttl = 254})
        .Mpls({.label = 0xfffff, .traffic_class = 2, .bottom_of_stack = true, .ttl = 1})
        .Ipv4({.src = kIpA, .dst = kIpC})
        .Icmp({.type = 8, .code = 0, .rest = 0x0abc0001})
        .Payload(16);
    Bytes f = b.Build();
    Packet p = DecodeChecked(f);
    CheckLayers(p, b.layers());
    CHECK(p.ethernet[0].type_or_length == 0x8847);
    REQUIRE(p.mpls.size() == 2);
    CHECK(p.mpls[0].label == 16001);
    CHECK(p.mpls[0].traffic_class == 5);
    CHECK_FALSE(p.mpls[0].bottom_of_stack);
    CHECK(p.mpls[0].ttl == 254);
    CHECK(p.mpls[1].label == 0xfffff);
    CHECK(p.mpls[1].traffic_class == 2);
    CHECK(p.mpls[1].bottom_of_stack);
    CHECK(p.mpls[1].ttl == 1);
    CHECK(p.layers()[3].offset == 22);
    CHECK(p.layers()[3].depth == 0);  // label switching is not a tunnel of IP in IP
    CHECK(p.tunnel_depth == 0);
    CHECK(p.outer.present);
    CHECK(p.outer.src == Addr(kIpA));
    CHECK(p.outer.has_icmp);
    CHECK(p.stop == StopReason::kComplete);
  }
  SECTION("multicast MPLS EtherType (0x8848)") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA, 0x8848)
        .Mpls({.label = 77})
        .Ipv4({.src = kIpA, .dst = kIpB})
        .Udp({.src_port = 1, .dst_port = 2});
    Packet p = DecodeChecked(b.Build());
    CheckLayers(p, b.layers());
    CHECK(p.ethernet[0].type_or_length == 0x8848);
    CHECK(p.mpls[0].label == 77);
  }
  SECTION("one label, then IPv6") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Mpls({.label = 299792, .ttl = 60})
        .Ipv6({.src = V6(3), .dst = V6(4)})
        .Udp({.src_port = 4000, .dst_port = 5000})
        .Payload(8);
    Bytes f = b.Build();
    Packet p = DecodeChecked(f);
    CheckLayers(p, b.layers());
    REQUIRE(p.mpls.size() == 1);
    CHECK(p.mpls[0].label == 299792);
    CHECK(p.mpls[0].bottom_of_stack);
    CHECK(p.mpls[0].ttl == 60);
    CHECK(p.outer.src == Addr(V6(3)));
    CHECK(p.outer.dst_port == 5000);
  }
}

TEST_CASE("MPLS first nibble 0: control word, or Ethernet when told to guess like Wireshark",
          "[proto][mpls][pw][options]") {
  using MplsControlWord = DecodeOptions::MplsControlWord;
  SECTION("an Ethernet frame whose source is an individual address") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Mpls({.label = 300})
        .Ethernet({0x02, 0x00, 0x00, 0x00, 0x00, 0x01}, kMacC)  // first nibble 0
        .Ipv4({.src = kIpB, .dst = kIpD})
        .Udp({.src_port = 1, .dst_port = 2});
    Bytes f = b.Build();
    SECTION("kAlways: taken as a control word") {
      Packet p = DecodeChecked(f);
      INFO(testing::Describe(p));
      REQUIRE(p.layers().size() >= 3);
      CHECK(p.layers()[2].type == LayerType::kPwControlWord);
      CHECK(p.layers()[2].offset == 18);
    }
    SECTION("kUnlessPlainEthernet: an Ethernet frame right after the label") {
      DecodeOptions o;
      o.mpls_control_word = MplsControlWord::kUnlessPlainEthernet;
      Packet p = DecodeChecked(f, Start::kEthernet, o);
      CheckLayers(p, b.layers());
      CHECK(p.pw_control_word.empty());
      CHECK(p.ethernet[1].dst == MacAddress{0x02, 0, 0, 0, 0, 0x01});
      CHECK(p.ethernet[1].src == kMacC);
      CHECK(p.outer.dst_port == 2);
    }
  }
  SECTION("a control word whose bytes would give a group source address") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Mpls({.label = 300})
        .PwControlWord(0, 0, 5)
        .Ethernet({0x9c, 0x69, 0xb5, 0x11, 0x22, 0x33}, kMacC)  // byte 6 after the label is odd
        .Ipv4({.src = kIpB, .dst = kIpD})
        .Udp({.src_port = 1, .dst_port = 2});
    DecodeOptions o;
    o.mpls_control_word = MplsControlWord::kUnlessPlainEthernet;
    Packet p = DecodeChecked(b.Build(), Start::kEthernet, o);
    CheckLayers(p, b.layers());
    CHECK(p.pw_control_word[0].sequence == 5);
  }
}

TEST_CASE("MPLS Ethernet pseudowire with and without control word", "[proto][mpls][pw]") {
  SECTION("with control word (first nibble 0)") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Mpls({.label = 100, .bottom_of_stack = false})
        .Mpls({.label = 200})
        .PwControlWord(0x9, 0x2a, 0x1234)
        .Ethernet(kMacD, kMacC)
        .Ipv4({.src = kIpB, .dst = kIpD})
        .Tcp({.src_port = 179, .dst_port = 40001, .flags = kTcpAck})
        .Payload(19);
    Bytes f = b.Build();
    Packet p = DecodeChecked(f);
    CheckLayers(p, b.layers());
    REQUIRE(p.pw_control_word.size() == 1);
    CHECK(p.pw_control_word[0].flags == 0x9);
    CHECK(p.pw_control_word[0].length == 0x2a);
    CHECK(p.pw_control_word[0].sequence == 0x1234);
    CHECK(p.layers()[3].offset == 22);
    CHECK(p.layers()[3].length == 4);
    REQUIRE(p.ethernet.size() == 2);
    CHECK(p.ethernet[1].dst == kMacD);
    CHECK(p.ethernet[1].src == kMacC);
    CHECK(p.ethernet[1].type_or_length == 0x0800);
    CHECK(p.layers()[4].offset == 26);
    CHECK(p.outer.present);
    CHECK(p.outer.src == Addr(kIpB));
    CHECK(p.outer.src_port == 179);
    CHECK(p.stop == StopReason::kComplete);
  }
  SECTION("without control word (first nibble neither 0, 4 nor 6)") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Mpls({.label = 300})
        .Ethernet(kMacD, kMacC)  // 9c:…: first nibble 9
        .Ipv4({.src = kIpB, .dst = kIpD})
        .Udp({.src_port = 5353, .dst_port = 5353})
        .Payload(10);
    Bytes f = b.Build();
    Packet p = DecodeChecked(f);
    CheckLayers(p, b.layers());
    CHECK(p.pw_control_word.empty());
    REQUIRE(p.ethernet.size() == 2);
    CHECK(p.ethernet[1].dst == kMacD);
    CHECK(p.layers()[2].offset == 18);
    CHECK(p.outer.dst_port == 5353);
  }
}

TEST_CASE("PPPoE session carrying IPv4 and IPv6", "[proto][pppoe]") {
  SECTION("IPv4") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Pppoe(0x1234)
        .Ipv4({.src = {100, 64, 0, 1}, .dst = kIpB})
        .Tcp({.src_port = 51000, .dst_port = 80, .flags = kTcpAck | kTcpFin});
    Bytes f = b.Build();
    Packet p = DecodeChecked(f);
    CheckLayers(p, b.layers());
    CHECK(p.ethernet[0].type_or_length == 0x8864);
    REQUIRE(p.pppoe.size() == 1);
    CHECK(p.pppoe[0].version == 1);
    CHECK(p.pppoe[0].type == 1);
    CHECK(p.pppoe[0].code == 0);
    CHECK(p.pppoe[0].session_id == 0x1234);
    CHECK(p.pppoe[0].length == 42);  // PPP protocol (2) + IPv4 (20) + TCP (20)
    CHECK(p.pppoe[0].ppp_protocol == 0x0021);
    CHECK(p.layers()[2].offset == 22);
    CHECK(p.outer.src == Addr(testing::Ip4{100, 64, 0, 1}));
    CHECK(p.outer.tcp_flags == (kTcpAck | kTcpFin));
  }
  SECTION("IPv6") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Pppoe(0x0042)
        .Ipv6({.src = V6(5), .dst = V6(6)})
        .Udp({.src_port = 546, .dst_port = 547})
        .Payload(4);
    Bytes f = b.Build();
    Packet p = DecodeChecked(f);
    CheckLayers(p, b.layers());
    CHECK(p.pppoe[0].session_id == 0x0042);
    CHECK(p.pppoe[0].length == 54);
    CHECK(p.pppoe[0].ppp_protocol == 0x0057);
    CHECK(p.outer.dst_port == 547);
  }
  SECTION("a PPP protocol libproto does not decode (LCP)") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA).Pppoe(7, 0xc021).Payload(10);
    Bytes f = b.Build();
    Packet p = DecodeChecked(f);
    CheckLayers(p, b.layers());
    CHECK(p.pppoe[0].ppp_protocol == 0xc021);
    CHECK(p.stop == StopReason::kUnsupported);
    CHECK(p.stop_offset == 22);
  }
}

TEST_CASE("ARP request and reply", "[proto][arp]") {
  FrameBuilder b;
  b.Ethernet({0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, kMacA)
      .Arp({.opcode = 2,
            .sender_mac = kMacA,
            .sender_ip = kIpA,
            .target_mac = kMacC,
            .target_ip = kIpB})
      .PadTo(60);
  Bytes f = b.Build();
  Packet p = DecodeChecked(f);
  CheckLayers(p, b.layers());
  CHECK(p.layers()[1].length == 28);
  REQUIRE(p.arp.size() == 1);
  const ArpHeader& a = p.arp[0];
  CHECK(a.hardware_type == 1);
  CHECK(a.protocol_type == 0x0800);
  CHECK(a.hardware_size == 6);
  CHECK(a.protocol_size == 4);
  CHECK(a.opcode == 2);
  CHECK(a.sender_mac == kMacA);
  CHECK(a.sender_ip == kIpA);
  CHECK(a.target_mac == kMacC);
  CHECK(a.target_ip == kIpB);
  CHECK(p.stop == StopReason::kComplete);
  CHECK(p.stop_offset == 42);
  CHECK_FALSE(p.outer.present);
  CHECK_FALSE(p.inner.present);
}

TEST_CASE("IPv4 options", "[proto][ipv4]") {
  FrameBuilder b;
  b.Ethernet(kMacB, kMacA)
      .Ipv4({.src = kIpA,
             .dst = {224, 0, 0, 22},
             .ttl = 1,
             .options = {0x94, 0x04, 0x00, 0x00, 0x01, 0x01, 0x01, 0x00}})  // RA, NOPs, EOL
      .Udp({.src_port = 7, .dst_port = 9})
      .Payload(6);
  Bytes f = b.Build();
  Packet p = DecodeChecked(f);
  CheckLayers(p, b.layers());
  CHECK(p.ipv4[0].header_length == 28);
  CHECK(p.layers()[1].length == 28);
  CHECK(p.layers()[2].offset == 42);
  CHECK(p.ipv4[0].total_length == 42);
  CHECK(p.outer.ip_length == 42);
  CHECK(p.outer.dst_port == 9);
}

TEST_CASE("IPv4 fragments: first and later", "[proto][ipv4][fragment]") {
  SECTION("first fragment: the transport header is there") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv4({.src = kIpA, .dst = kIpB, .id = 0x7777, .more_fragments = true})
        .Udp({.src_port = 5004, .dst_port = 5005, .length = 3000})
        .Payload(64);
    Bytes f = b.Build();
    Packet p = DecodeChecked(f);
    CheckLayers(p, b.layers());
    CHECK(p.ipv4[0].more_fragments);
    CHECK(p.ipv4[0].fragment_offset == 0);
    CHECK(p.ipv4[0].id == 0x7777);
    CHECK(p.udp[0].length == 3000);  // the whole datagram's, beyond this fragment
    CHECK(p.outer.fragment == Fragment::kFirst);
    CHECK(p.outer.has_ports);
    CHECK(p.outer.src_port == 5004);
    CHECK(p.stop == StopReason::kComplete);
  }
  SECTION("later fragment: no transport header") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv4({.src = kIpA,
               .dst = kIpB,
               .id = 0x7777,
               .more_fragments = true,
               .fragment_offset = 9,
               .protocol = 17})
        .Payload(40);
    Bytes f = b.Build();
    Packet p = DecodeChecked(f);
    CheckLayers(p, b.layers());
    CHECK(p.ipv4[0].fragment_offset == 9);
    CHECK(p.ipv4[0].more_fragments);
    CHECK(p.outer.fragment == Fragment::kLater);
    CHECK(p.outer.protocol == 17);
    CHECK_FALSE(p.outer.has_ports);
    CHECK(p.stop == StopReason::kFragment);
    CHECK(p.stop_offset == 34);
  }
  SECTION("last fragment (offset > 0, no more fragments)") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv4({.src = kIpA, .dst = kIpB, .fragment_offset = 0x1fff, .protocol = 6})
        .Payload(8);
    Bytes f = b.Build();
    Packet p = DecodeChecked(f);
    CheckLayers(p, b.layers());
    CHECK(p.ipv4[0].fragment_offset == 0x1fff);
    CHECK_FALSE(p.ipv4[0].more_fragments);
    CHECK(p.outer.fragment == Fragment::kLater);
    CHECK(p.stop == StopReason::kFragment);
  }
  SECTION("don't fragment alone is not a fragment") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv4({.src = kIpA, .dst = kIpB, .dont_fragment = true})
        .Udp({.src_port = 1, .dst_port = 2});
    Packet p = DecodeChecked(b.Build());
    CHECK(p.outer.fragment == Fragment::kNone);
  }
}

TEST_CASE("IPv6 fixed header", "[proto][ipv6]") {
  FrameBuilder b;
  b.Ethernet(kMacB, kMacA)
      .Ipv6(
          {.src = V6(1), .dst = V6(2), .dscp = 46, .ecn = 3, .flow_label = 0xabcde, .hop_limit = 7})
      .Udp({.src_port = 9, .dst_port = 10})
      .Payload(12);
  Bytes f = b.Build();
  Packet p = DecodeChecked(f);
  CheckLayers(p, b.layers());
  REQUIRE(p.ipv6.size() == 1);
  const Ipv6Header& h = p.ipv6[0];
  CHECK(h.dscp == 46);
  CHECK(h.ecn == 3);
  CHECK(h.flow_label == 0xabcde);
  CHECK(h.payload_length == 20);
  CHECK(h.next_header == 17);
  CHECK(h.hop_limit == 7);
  CHECK(h.protocol == 17);
  CHECK(h.src == V6(1));
  CHECK(h.dst == V6(2));
  CHECK_FALSE(h.fragmented);
  CHECK_FALSE(h.more_fragments);
  CHECK(h.fragment_offset == 0);
  CHECK(h.fragment_id == 0);
  CHECK(p.outer.src == Addr(V6(1)));
  CHECK(p.outer.dst == Addr(V6(2)));
  CHECK(p.outer.dscp == 46);
  CHECK(p.outer.ecn == 3);
  CHECK(p.outer.ttl == 7);
  CHECK(p.outer.ip_length == 60);
  CHECK(p.outer.protocol == 17);
  CHECK(p.outer.has_ports);
  CHECK(p.stop_offset == 62);
}

TEST_CASE("IPv6 extension headers", "[proto][ipv6]") {
  SECTION("hop-by-hop, destination options, segment routing, then TCP") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv6({.src = V6(1), .dst = V6(9), .hop_limit = 9})
        .Ipv6Options(testing::kExtHopByHop, 8)
        .Ipv6Options(testing::kExtDestOptions, 16)
        .Ipv6Routing(1, {V6(9), V6(7)})
        .Tcp({.src_port = 1111,
              .dst_port = 2222,
              .flags = kTcpSyn,
              .options = TcpOptions().Mss(1220).bytes()});
    Bytes f = b.Build();
    Packet p = DecodeChecked(f);
    CheckLayers(p, b.layers());
    CHECK(p.layers()[2].offset == 54);
    CHECK(p.layers()[3].offset == 62);
    CHECK(p.layers()[4].offset == 78);
    CHECK(p.layers()[5].offset == 118);
    CHECK(p.ipv6[0].next_header == 0);
    CHECK(p.ipv6[0].protocol == 6);
    CHECK(p.ipv6[0].payload_length == 88);
    REQUIRE(p.ipv6_extension.size() == 3);
    CHECK(p.ipv6_extension[0].type == 0);
    CHECK(p.ipv6_extension[0].next_header == 60);
    CHECK(p.ipv6_extension[0].length == 8);
    CHECK(p.ipv6_extension[1].type == 60);
    CHECK(p.ipv6_extension[1].next_header == 43);
    CHECK(p.ipv6_extension[1].length == 16);
    CHECK(p.ipv6_extension[2].type == 43);
    CHECK(p.ipv6_extension[2].next_header == 6);
    CHECK(p.ipv6_extension[2].length == 40);
    CHECK(p.ipv6_extension[2].routing_type == 4);
    CHECK(p.ipv6_extension[2].segments_left == 1);
    CHECK(p.outer.protocol == 6);
    CHECK(p.outer.has_ports);
    CHECK(p.outer.dst_port == 2222);
    CHECK(p.tcp[0].mss == 1220);
    CHECK(p.stop == StopReason::kComplete);
    CHECK(p.stop_offset == 142);
  }
  SECTION("authentication header (length in 4-byte units)") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv6({.src = V6(1), .dst = V6(2)})
        .Ipv6Ah(0x1000, 1)
        .Tcp({.src_port = 3000, .dst_port = 4000, .flags = kTcpAck});
    Bytes f = b.Build();
    Packet p = DecodeChecked(f);
    CheckLayers(p, b.layers());
    REQUIRE(p.ipv6_extension.size() == 1);
    CHECK(p.ipv6_extension[0].type == 51);
    CHECK(p.ipv6_extension[0].next_header == 6);
    CHECK(p.ipv6_extension[0].length == 24);
    CHECK(p.layers()[3].offset == 78);
    CHECK(p.outer.protocol == 6);
    CHECK(p.outer.src_port == 3000);
  }
  SECTION("ESP ends the walk: encrypted") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA).Ipv6({.src = V6(1), .dst = V6(2)}).Esp(0x2000, 9).Payload(40);
    Bytes f = b.Build();
    Packet p = DecodeChecked(f);
    INFO(testing::Describe(p));
    REQUIRE(p.layers().size() == 3);
    CHECK(p.layers()[2].type == LayerType::kIpv6Extension);
    CHECK(p.layers()[2].offset == 54);
    CHECK(p.ipv6_extension[0].type == 50);
    CHECK(p.ipv6[0].protocol == 50);
    CHECK(p.outer.protocol == 50);
    CHECK_FALSE(p.outer.has_ports);
    CHECK(p.stop == StopReason::kUnsupported);
  }
  SECTION("mobility header (135)") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA).Ipv6({.src = V6(1), .dst = V6(2)}).Ipv6Options(135, 16);
    Bytes f = b.Build();
    f[54] = 59;  // the mobility header's payload protocol: no next header
    Packet p = DecodeChecked(f);
    CheckLayers(p, b.layers());
    CHECK(p.ipv6_extension[0].type == 135);
    CHECK(p.ipv6_extension[0].length == 16);
    CHECK(p.ipv6[0].protocol == 59);
    CHECK(p.stop == StopReason::kComplete);
  }
  SECTION("no next header (59) is complete") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA).Ipv6({.src = V6(1), .dst = V6(2), .next_header = 59});
    Bytes f = b.Build();
    Packet p = DecodeChecked(f);
    CheckLayers(p, b.layers());
    CHECK(p.ipv6[0].protocol == 59);
    CHECK(p.stop == StopReason::kComplete);
    CHECK(p.stop_offset == 54);
  }
}

TEST_CASE("IPv6 fragments: first and later", "[proto][ipv6][fragment]") {
  SECTION("first fragment") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv6({.src = V6(1), .dst = V6(2)})
        .Ipv6Fragment(0, true, 0xdeadbeef)
        .Udp({.src_port = 7000, .dst_port = 7001, .length = 4000})
        .Payload(32);
    Bytes f = b.Build();
    Packet p = DecodeChecked(f);
    CheckLayers(p, b.layers());
    CHECK(p.ipv6[0].next_header == 44);
    CHECK(p.ipv6[0].protocol == 17);
    CHECK(p.ipv6[0].fragmented);
    CHECK(p.ipv6[0].more_fragments);
    CHECK(p.ipv6[0].fragment_offset == 0);
    CHECK(p.ipv6[0].fragment_id == 0xdeadbeef);
    CHECK(p.ipv6_extension[0].type == 44);
    CHECK(p.ipv6_extension[0].next_header == 17);
    CHECK(p.ipv6_extension[0].length == 8);
    CHECK(p.outer.fragment == Fragment::kFirst);
    CHECK(p.outer.has_ports);
    CHECK(p.outer.dst_port == 7001);
  }
  SECTION("later fragment") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv6({.src = V6(1), .dst = V6(2)})
        .Ipv6Fragment(185, false, 0x01020304, 17)
        .Payload(40);
    Bytes f = b.Build();
    Packet p = DecodeChecked(f);
    CheckLayers(p, b.layers());
    CHECK(p.ipv6[0].fragmented);
    CHECK_FALSE(p.ipv6[0].more_fragments);
    CHECK(p.ipv6[0].fragment_offset == 185);
    CHECK(p.ipv6[0].fragment_id == 0x01020304);
    CHECK(p.ipv6[0].protocol == 17);
    CHECK(p.outer.fragment == Fragment::kLater);
    CHECK_FALSE(p.outer.has_ports);
    CHECK(p.stop == StopReason::kFragment);
    CHECK(p.stop_offset == 62);
  }
}

TEST_CASE("TCP header and options", "[proto][tcp]") {
  SECTION("SYN with MSS, SACK permitted, timestamps, window scale") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv4({.src = kIpA, .dst = kIpB})
        .Tcp({.src_port = 40000,
              .dst_port = 443,
              .seq = 0x11223344,
              .ack = 0x55667788,
              .flags = kTcpSyn | kTcpEce | kTcpCwr,
              .window = 64240,
              .urgent_pointer = 0x0102,
              .options = TcpOptions()
                             .Mss(1460)
                             .SackPermitted()
                             .Timestamps(0x01020304, 0xa0b0c0d0)
                             .Nop()
                             .WindowScale(7)
                             .bytes()});
    Bytes f = b.Build();
    Packet p = DecodeChecked(f);
    CheckLayers(p, b.layers());
    REQUIRE(p.tcp.size() == 1);
    const TcpHeader& t = p.tcp[0];
    CHECK(t.src_port == 40000);
    CHECK(t.dst_port == 443);
    CHECK(t.seq == 0x11223344);
    CHECK(t.ack == 0x55667788);
    CHECK(t.header_length == 40);
    CHECK(p.layers()[2].length == 40);
    CHECK(t.flags == (kTcpSyn | kTcpEce | kTcpCwr));
    CHECK(t.window == 64240);
    CHECK(t.checksum == Be16(f, 34 + 16));
    CHECK(t.urgent_pointer == 0x0102);
    CHECK(t.has_mss);
    CHECK(t.mss == 1460);
    CHECK(t.sack_permitted);
    CHECK(t.has_timestamps);
    CHECK(t.ts_value == 0x01020304);
    CHECK(t.ts_echo_reply == 0xa0b0c0d0);
    CHECK(t.has_window_scale);
    CHECK(t.window_scale == 7);
    CHECK(p.outer.tcp_flags == (kTcpSyn | kTcpEce | kTcpCwr));
    CHECK(p.outer.src_port == 40000);
    CHECK(p.stop == StopReason::kComplete);
    CHECK(p.stop_offset == 74);
  }
  SECTION("no options, every flag including NS") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv4({.src = kIpA, .dst = kIpB})
        .Tcp({.src_port = 1, .dst_port = 2, .flags = 0x1ff});
    Packet p = DecodeChecked(b.Build());
    CheckLayers(p, b.layers());
    CHECK(p.tcp[0].header_length == 20);
    CHECK(p.tcp[0].flags == 0x1ff);
    CHECK(p.outer.tcp_flags == 0x1ff);
    CHECK_FALSE(p.tcp[0].has_mss);
    CHECK_FALSE(p.tcp[0].has_window_scale);
    CHECK_FALSE(p.tcp[0].sack_permitted);
    CHECK_FALSE(p.tcp[0].has_timestamps);
  }
  SECTION("options after End of Option List are padding, not options") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv4({.src = kIpA, .dst = kIpB})
        .Tcp({.src_port = 1,
              .dst_port = 2,
              .flags = kTcpSyn,
              .options = TcpOptions().Nop().End().Raw({2, 4, 0x05, 0xb4}).bytes()});
    Packet p = DecodeChecked(b.Build());
    CheckLayers(p, b.layers());
    CHECK(p.tcp[0].header_length == 28);
    CHECK_FALSE(p.tcp[0].has_mss);
    CHECK(p.stop == StopReason::kComplete);
  }
  SECTION("an unknown option is skipped by its length") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv4({.src = kIpA, .dst = kIpB})
        .Tcp({.src_port = 1,
              .dst_port = 2,
              .options = TcpOptions().Raw({30, 6, 1, 2, 3, 4}).Nop().Nop().Mss(536).bytes()});
    Packet p = DecodeChecked(b.Build());
    CheckLayers(p, b.layers());
    CHECK(p.tcp[0].has_mss);
    CHECK(p.tcp[0].mss == 536);
  }
}

TEST_CASE("ICMP echo", "[proto][icmp]") {
  FrameBuilder b;
  b.Ethernet(kMacB, kMacA)
      .Ipv4({.src = kIpA, .dst = kIpC})
      .Icmp({.type = 8, .code = 0, .rest = 0x0abc0001})
      .Payload(16);
  Bytes f = b.Build();
  Packet p = DecodeChecked(f);
  CheckLayers(p, b.layers());
  CHECK(p.layers()[2].type == LayerType::kIcmp);
  CHECK(p.layers()[2].length == 8);
  REQUIRE(p.icmp.size() == 1);
  CHECK(p.icmp[0].type == 8);
  CHECK(p.icmp[0].code == 0);
  CHECK(p.icmp[0].checksum == Be16(f, 36));
  CHECK(p.icmp[0].rest == 0x0abc0001);
  CHECK(p.outer.protocol == 1);
  CHECK(p.outer.has_icmp);
  CHECK(p.outer.icmp_type == 8);
  CHECK(p.outer.icmp_code == 0);
  CHECK_FALSE(p.outer.has_ports);
  CHECK(p.stop == StopReason::kComplete);
  CHECK(p.stop_offset == 42);
}

TEST_CASE("ICMP errors quote the offending packet", "[proto][icmp][quoted]") {
  FrameBuilder b;
  b.Ethernet(kMacB, kMacA)
      .Ipv4({.src = kIpC, .dst = kIpA, .ttl = 250})
      .Icmp({.type = 3, .code = 3})
      .Ipv4({.src = kIpA, .dst = kIpB, .ttl = 1})
      .Udp({.src_port = 33434, .dst_port = 33435})
      .Payload(12);
  Bytes f = b.Build();

  SECTION("quotes decoded") {
    Packet p = DecodeChecked(f);
    CheckLayers(p, b.layers());
    CHECK(p.layers()[3].quoted);
    CHECK(p.layers()[3].offset == 42);
    CHECK(p.layers()[3].depth == 0);
    CHECK(p.layers()[4].quoted);
    CHECK(p.icmp[0].type == 3);
    CHECK(p.icmp[0].code == 3);
    CHECK(p.icmp[0].rest == 0);
    REQUIRE(p.ipv4.size() == 2);
    CHECK(p.ipv4[1].src == kIpA);
    CHECK(p.ipv4[1].dst == kIpB);
    CHECK(p.ipv4[1].ttl == 1);
    CHECK(p.ipv4[1].total_length == 40);
    REQUIRE(p.udp.size() == 1);
    CHECK(p.udp[0].src_port == 33434);
    CHECK(p.udp[0].dst_port == 33435);
    // The summaries describe the ICMP packet; the quoted one never counts.
    CHECK(p.outer.src == Addr(kIpC));
    CHECK(p.outer.dst == Addr(kIpA));
    CHECK(p.outer.ttl == 250);
    CHECK(p.outer.protocol == 1);
    CHECK(p.outer.has_icmp);
    CHECK(p.outer.icmp_type == 3);
    CHECK(p.outer.icmp_code == 3);
    CHECK_FALSE(p.outer.has_ports);
    CHECK(p.outer.ip_layer == 1);
    CHECK(testing::Same(p.inner, p.outer));
    CHECK(p.tunnel_depth == 0);
    CHECK(p.stop == StopReason::kComplete);
  }
  SECTION("quotes not decoded when told") {
    DecodeOptions o;
    o.decode_icmp_quotes = false;
    Packet p = DecodeChecked(f, Start::kEthernet, o);
    std::vector<BuiltLayer> want(b.layers().begin(), b.layers().begin() + 3);
    CheckLayers(p, want);
    CHECK(p.outer.has_icmp);
    CHECK(p.stop == StopReason::kComplete);
    CHECK(p.stop_offset == 42);
  }
}

TEST_CASE("ICMP error quoting a packet longer than the quote", "[proto][icmp][quoted]") {
  SECTION("quoted IPv4 total length beyond the frame is not an error") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv4({.src = kIpC, .dst = kIpA})
        .Icmp({.type = 11, .code = 0})
        .Ipv4({.src = kIpA, .dst = kIpB, .total_length = 1500})
        .Tcp({.src_port = 40000, .dst_port = 443, .seq = 1, .flags = kTcpAck});
    Packet p = DecodeChecked(b.Build());
    CheckLayers(p, b.layers());
    CHECK(p.ipv4[1].total_length == 1500);
    CHECK(p.tcp[0].dst_port == 443);
    CHECK(p.outer.icmp_type == 11);
    CHECK_FALSE(p.outer.has_ports);
  }
  SECTION("RFC 792 quote: IP header and only 8 bytes of TCP") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv4({.src = kIpC, .dst = kIpA})
        .Icmp({.type = 3, .code = 4, .rest = 1400})
        .Ipv4({.src = kIpA, .dst = kIpB, .protocol = 6, .total_length = 1500})
        .Payload(Bytes{0x9c, 0x40, 0x01, 0xbb, 0, 0, 0, 1});  // ports 40000 → 443, seq 1
    Bytes f = b.Build();
    Packet p = DecodeChecked(f);
    INFO(testing::Describe(p));
    REQUIRE(p.layers().size() >= 4);
    CHECK(p.layers()[3].type == LayerType::kIpv4);
    CHECK(p.layers()[3].quoted);
    CHECK(p.icmp[0].rest == 1400);
    CHECK(p.outer.icmp_code == 4);
    // What follows the quoted IPv4 header is a TCP header cut after 8 bytes: listed as truncated,
    // with the ports.
    REQUIRE(p.layers().size() == 5);
    CHECK(p.layers()[4].type == LayerType::kTcp);
    CHECK(p.layers()[4].quoted);
    CHECK(p.layers()[4].truncated);
    CHECK(p.layers()[4].offset == 62);
    CHECK(p.layers()[4].length == 8);
    CHECK(p.tcp[0].src_port == 40000);
    CHECK(p.tcp[0].dst_port == 443);
    CHECK(p.tcp[0].seq == 1);
    CHECK_FALSE(p.outer.has_ports);  // the quote never counts
  }
}

TEST_CASE("Which ICMP and ICMPv6 types quote a packet", "[proto][icmp][quoted]") {
  SECTION("ICMP: 3, 4, 5, 11, 12 do; 0, 8, 13 do not") {
    for (uint8_t type : {3, 4, 5, 11, 12, 0, 8, 13}) {
      FrameBuilder b;
      b.Ethernet(kMacB, kMacA)
          .Ipv4({.src = kIpC, .dst = kIpA})
          .Icmp({.type = type, .rest = 7})
          .Ipv4({.src = kIpA, .dst = kIpB})
          .Udp({.src_port = 1, .dst_port = 2});
      Packet p = DecodeChecked(b.Build());
      bool error = type != 0 && type != 8 && type != 13;
      INFO("type " << int(type) << ": " << testing::Describe(p));
      CHECK(p.layers().size() == (error ? 5u : 3u));
      CHECK(p.outer.icmp_type == type);
      CHECK(p.stop == StopReason::kComplete);
    }
  }
  SECTION("ICMPv6: 1 to 4 do; 128, 129, 135 do not") {
    for (uint8_t type : {1, 2, 3, 4, 128, 129, 135}) {
      FrameBuilder b;
      b.Ethernet(kMacB, kMacA)
          .Ipv6({.src = V6(9), .dst = V6(1)})
          .Icmpv6({.type = type})
          .Ipv6({.src = V6(1), .dst = V6(2)})
          .Udp({.src_port = 1, .dst_port = 2});
      Packet p = DecodeChecked(b.Build());
      bool error = type <= 4;
      INFO("type " << int(type) << ": " << testing::Describe(p));
      CHECK(p.layers().size() == (error ? 5u : 3u));
      CHECK(p.outer.icmp_type == type);
    }
  }
}

TEST_CASE("ICMPv6 echo and errors", "[proto][icmpv6][quoted]") {
  SECTION("echo request") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv6({.src = V6(1), .dst = V6(2), .hop_limit = 255})
        .Icmpv6({.type = 128, .code = 0, .rest = 0x00010002})
        .Payload(32);
    Bytes f = b.Build();
    Packet p = DecodeChecked(f);
    CheckLayers(p, b.layers());
    CHECK(p.layers()[2].type == LayerType::kIcmpv6);
    REQUIRE(p.icmp.size() == 1);
    CHECK(p.icmp[0].type == 128);
    CHECK(p.icmp[0].code == 0);
    CHECK(p.icmp[0].checksum == Be16(f, 56));
    CHECK(p.icmp[0].rest == 0x00010002);
    CHECK(p.outer.protocol == 58);
    CHECK(p.outer.has_icmp);
    CHECK(p.outer.icmp_type == 128);
  }
  SECTION("packet too big quoting IPv6 and TCP") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv6({.src = V6(0x99), .dst = V6(1)})
        .Icmpv6({.type = 2, .code = 0, .rest = 1280})
        .Ipv6({.src = V6(1), .dst = V6(2), .payload_length = 1400})
        .Tcp({.src_port = 443, .dst_port = 50123, .flags = kTcpAck | kTcpPsh})
        .Payload(20);
    Bytes f = b.Build();
    Packet p = DecodeChecked(f);
    CheckLayers(p, b.layers());
    CHECK(p.icmp[0].type == 2);
    CHECK(p.icmp[0].rest == 1280);
    REQUIRE(p.ipv6.size() == 2);
    CHECK(p.ipv6[1].payload_length == 1400);
    CHECK(p.ipv6[1].src == V6(1));
    CHECK(p.tcp[0].src_port == 443);
    CHECK(p.tcp[0].flags == (kTcpAck | kTcpPsh));
    CHECK(p.outer.src == Addr(V6(0x99)));
    CHECK(p.outer.icmp_type == 2);
    CHECK_FALSE(p.outer.has_ports);
    CHECK(p.outer.tcp_flags == 0);
    CHECK(testing::Same(p.inner, p.outer));
  }
  SECTION("neighbour solicitation is not an error: nothing quoted") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv6({.src = V6(1), .dst = V6(2), .hop_limit = 255})
        .Icmpv6({.type = 135})
        .Payload(Ip6Bytes(V6(2)));
    Packet p = DecodeChecked(b.Build());
    CheckLayers(p, b.layers());
    CHECK(p.outer.icmp_type == 135);
    CHECK(p.stop == StopReason::kComplete);
  }
}

TEST_CASE("SCTP common header", "[proto][sctp]") {
  FrameBuilder b;
  b.Ethernet(kMacB, kMacA)
      .Ipv4({.src = kIpA, .dst = kIpB})
      .Sctp({.src_port = 2905, .dst_port = 36412, .verification_tag = 0xcafef00d})
      .Payload(Bytes{0, 3, 0, 4});
  Packet p = DecodeChecked(b.Build());
  CheckLayers(p, b.layers());
  REQUIRE(p.sctp.size() == 1);
  CHECK(p.sctp[0].src_port == 2905);
  CHECK(p.sctp[0].dst_port == 36412);
  CHECK(p.sctp[0].verification_tag == 0xcafef00d);
  CHECK(p.outer.protocol == 132);
  CHECK(p.outer.has_ports);
  CHECK(p.outer.src_port == 2905);
  CHECK(p.outer.dst_port == 36412);
  CHECK(p.stop_offset == 46);
}

TEST_CASE("GRE with key and sequence number, carrying IPv4", "[proto][gre][tunnel]") {
  FrameBuilder b;
  b.Ethernet(kMacB, kMacA)
      .Ipv4({.src = kIpA, .dst = kIpB})
      .Gre({.key = 0x01020304, .sequence = 99})
      .Ipv4({.src = kIpC, .dst = kIpD, .ttl = 33})
      .Udp({.src_port = 1234, .dst_port = 4321})
      .Payload(10);
  Bytes f = b.Build();
  Packet p = DecodeChecked(f);
  CheckLayers(p, b.layers());
  CHECK(p.layers()[2].offset == 34);
  CHECK(p.layers()[2].length == 12);
  CHECK(p.layers()[2].depth == 0);
  CHECK(p.layers()[3].offset == 46);
  CHECK(p.layers()[3].depth == 1);
  CHECK(p.layers()[4].depth == 1);
  REQUIRE(p.gre.size() == 1);
  const GreHeader& g = p.gre[0];
  CHECK_FALSE(g.has_checksum);
  CHECK(g.has_key);
  CHECK(g.has_sequence);
  CHECK(g.version == 0);
  CHECK(g.protocol == 0x0800);
  CHECK(g.key == 0x01020304);
  CHECK(g.sequence == 99);
  CHECK(p.tunnel_depth == 1);
  CHECK(p.outer.src == Addr(kIpA));
  CHECK(p.outer.protocol == 47);
  CHECK_FALSE(p.outer.has_ports);
  CHECK(p.outer.ip_layer == 1);
  CHECK(p.inner.present);
  CHECK(p.inner.src == Addr(kIpC));
  CHECK(p.inner.dst == Addr(kIpD));
  CHECK(p.inner.ttl == 33);
  CHECK(p.inner.protocol == 17);
  CHECK(p.inner.has_ports);
  CHECK(p.inner.src_port == 1234);
  CHECK(p.inner.dst_port == 4321);
  CHECK(p.inner.ip_layer == 3);
  CHECK(p.stop == StopReason::kComplete);
}

TEST_CASE("GRE with checksum carrying Ethernet, and GRE carrying MPLS", "[proto][gre][tunnel]") {
  SECTION("checksum, key and sequence number together") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv4({.src = kIpA, .dst = kIpB})
        .Gre({.checksum = true, .key = 0xfeedface, .sequence = 0xffffffff})
        .Ipv6({.src = V6(1), .dst = V6(2)})
        .Udp({.src_port = 1, .dst_port = 2});
    Bytes f = b.Build();
    REQUIRE(testing::InternetChecksum(f, 34, f.size()) == 0);
    Packet p = DecodeChecked(f);
    CheckLayers(p, b.layers());
    CHECK(p.layers()[2].length == 16);
    CHECK(p.gre[0].has_checksum);
    CHECK(p.gre[0].key == 0xfeedface);
    CHECK(p.gre[0].sequence == 0xffffffff);
    CHECK(p.gre[0].protocol == 0x86dd);
    CHECK(p.inner.src == Addr(V6(1)));
  }
  SECTION("transparent Ethernet bridging over IPv6") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv6({.src = V6(1), .dst = V6(2)})
        .Gre({.checksum = true})
        .Ethernet(kMacD, kMacC)
        .Ipv6({.src = V6(3), .dst = V6(4)})
        .Icmpv6({.type = 129, .rest = 0x00070008});
    Bytes f = b.Build();
    Packet p = DecodeChecked(f);
    CheckLayers(p, b.layers());
    CHECK(p.gre[0].has_checksum);
    CHECK_FALSE(p.gre[0].has_key);
    CHECK_FALSE(p.gre[0].has_sequence);
    CHECK(p.gre[0].protocol == 0x6558);
    CHECK(p.layers()[2].length == 8);
    CHECK(p.layers()[3].type == LayerType::kEthernet);
    CHECK(p.layers()[3].depth == 1);
    CHECK(p.ethernet[1].src == kMacC);
    CHECK(p.outer.protocol == 47);
    CHECK(p.inner.src == Addr(V6(3)));
    CHECK(p.inner.has_icmp);
    CHECK(p.inner.icmp_type == 129);
  }
  SECTION("MPLS over GRE") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv4({.src = kIpA, .dst = kIpB})
        .Gre({})
        .Mpls({.label = 17, .bottom_of_stack = false})
        .Mpls({.label = 18})
        .Ipv4({.src = kIpC, .dst = kIpD})
        .Tcp({.src_port = 7, .dst_port = 8, .flags = kTcpAck});
    Packet p = DecodeChecked(b.Build());
    CheckLayers(p, b.layers());
    CHECK(p.gre[0].protocol == 0x8847);
    CHECK(p.mpls[0].label == 17);
    CHECK(p.mpls[1].label == 18);
    CHECK(p.inner.src == Addr(kIpC));
    CHECK(p.inner.dst_port == 8);
  }
}

TEST_CASE("ERSPAN type II and type III", "[proto][erspan][tunnel]") {
  SECTION("type II") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv4({.src = kIpA, .dst = kIpB})
        .Gre({.sequence = 5})
        .ErspanII({.vlan = 10, .cos = 2, .session_id = 513, .index = 0x12345})
        .Ethernet(kMacD, kMacC)
        .Vlan({.id = 10})
        .Ipv4({.src = kIpC, .dst = kIpD})
        .Tcp({.src_port = 6000, .dst_port = 6001, .flags = kTcpRst});
    Bytes f = b.Build();
    Packet p = DecodeChecked(f);
    CheckLayers(p, b.layers());
    CHECK(p.gre[0].protocol == 0x88be);
    CHECK(p.gre[0].has_sequence);
    CHECK(p.gre[0].sequence == 5);
    CHECK(p.layers()[3].offset == 42);
    CHECK(p.layers()[3].length == 8);
    CHECK(p.layers()[2].depth == 0);  // GRE belongs to the outer packet,
    CHECK(p.layers()[3].depth == 1);  // ERSPAN to what it carries
    REQUIRE(p.erspan.size() == 1);
    CHECK(p.erspan[0].version == 1);
    CHECK(p.erspan[0].vlan == 10);
    CHECK(p.erspan[0].cos == 2);
    CHECK(p.erspan[0].session_id == 513);
    CHECK(p.erspan[0].index == 0x12345);
    CHECK(p.layers()[4].offset == 50);
    CHECK(p.layers()[4].depth == 1);
    CHECK(p.vlan[0].id == 10);
    CHECK(p.tunnel_depth == 1);
    CHECK(p.inner.src == Addr(kIpC));
    CHECK(p.inner.tcp_flags == kTcpRst);
    CHECK(p.inner.ip_layer == 6);
  }
  SECTION("type III") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv4({.src = kIpA, .dst = kIpB})
        .Gre({.sequence = 6})
        .ErspanIII({.vlan = 20, .cos = 1, .session_id = 77, .index = 0x5f5e1000})
        .Ethernet(kMacD, kMacC)
        .Ipv6({.src = V6(7), .dst = V6(8)})
        .Udp({.src_port = 9, .dst_port = 10});
    Bytes f = b.Build();
    Packet p = DecodeChecked(f);
    CheckLayers(p, b.layers());
    CHECK(p.gre[0].protocol == 0x22eb);
    CHECK(p.layers()[3].length == 12);
    CHECK(p.erspan[0].version == 2);
    CHECK(p.erspan[0].vlan == 20);
    CHECK(p.erspan[0].cos == 1);
    CHECK(p.erspan[0].session_id == 77);
    CHECK(p.erspan[0].index == 0x5f5e1000);
    CHECK(p.layers()[4].offset == 54);
    CHECK(p.inner.src == Addr(V6(7)));
    CHECK(p.inner.dst_port == 10);
  }
  SECTION("type III with the platform-specific subheader") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv4({.src = kIpA, .dst = kIpB})
        .Gre({.sequence = 7})
        .ErspanIII({.vlan = 30, .session_id = 1023, .index = 1, .platform_subheader = true})
        .Ethernet(kMacD, kMacC)
        .Ipv4({.src = kIpC, .dst = kIpD})
        .Udp({.src_port = 9, .dst_port = 10});
    Packet p = DecodeChecked(b.Build());
    CheckLayers(p, b.layers());
    CHECK(p.layers()[3].length == 20);
    CHECK(p.erspan[0].session_id == 1023);
    CHECK(p.layers()[4].offset == 62);
    CHECK(p.inner.src == Addr(kIpC));
  }
}

TEST_CASE("VXLAN", "[proto][vxlan][tunnel]") {
  FrameBuilder b;
  b.Ethernet(kMacB, kMacA)
      .Ipv4({.src = kIpA, .dst = kIpB})
      .Udp({.src_port = 49152, .dst_port = 4789, .checksum = 0})
      .Vxlan({.vni = 0x123456})
      .Ethernet(kMacD, kMacC)
      .Ipv4({.src = kIpC, .dst = kIpD, .ttl = 17})
      .Tcp({.src_port = 12345,
            .dst_port = 80,
            .flags = kTcpSyn,
            .options = TcpOptions().Mss(1410).bytes()});
  Bytes f = b.Build();

  SECTION("on the standard port") {
    Packet p = DecodeChecked(f);
    CheckLayers(p, b.layers());
    CHECK(p.layers()[3].offset == 42);
    CHECK(p.layers()[3].length == 8);
    CHECK(p.layers()[2].depth == 0);  // UDP names the tunnel: the VXLAN header is inside it
    CHECK(p.layers()[3].depth == 1);
    CHECK(p.layers()[4].offset == 50);
    CHECK(p.layers()[4].depth == 1);
    REQUIRE(p.vxlan.size() == 1);
    CHECK(p.vxlan[0].flags == 0x08);
    CHECK(p.vxlan[0].vni == 0x123456);
    CHECK(p.udp[0].checksum == 0);
    CHECK(p.tunnel_depth == 1);
    CHECK(p.outer.dst_port == 4789);
    CHECK(p.outer.has_ports);
    CHECK(p.inner.src == Addr(kIpC));
    CHECK(p.inner.ttl == 17);
    CHECK(p.inner.tcp_flags == kTcpSyn);
    CHECK(p.inner.ip_layer == 5);
    CHECK(p.tcp[0].mss == 1410);
  }
  SECTION("on a configured port (Linux's 8472)") {
    Bytes g = f;
    g[36] = 8472 >> 8;
    g[37] = 8472 & 0xff;
    DecodeOptions o;
    o.vxlan_port = 8472;
    Packet p = DecodeChecked(g, Start::kEthernet, o);
    CheckLayers(p, b.layers());
    CHECK(p.vxlan[0].vni == 0x123456);
  }
  SECTION("not entered when the port is 0") {
    DecodeOptions o;
    o.vxlan_port = 0;
    Packet p = DecodeChecked(f, Start::kEthernet, o);
    std::vector<BuiltLayer> want(b.layers().begin(), b.layers().begin() + 3);
    CheckLayers(p, want);
    CHECK(p.stop == StopReason::kComplete);
    CHECK(p.tunnel_depth == 0);
    CHECK(testing::Same(p.inner, p.outer));
  }
}

// DecodeOptions: vxlan_port, geneve_port and mpls_udp_port are "UDP destination ports that carry a
// tunnel": a DNS query from source port 4789 is not VXLAN. (Once a decoder bug.)
TEST_CASE("A tunnel port as the source port is not a tunnel", "[proto][tunnel]") {
  for (uint16_t port : {uint16_t{4789}, uint16_t{6081}, uint16_t{6635}}) {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv4({.src = kIpA, .dst = kIpB})
        .Udp({.src_port = port, .dst_port = 53})
        .Payload(Bytes{0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0,
                       0,    3,    'w',  'w',  'w',  0,    0, 1, 0, 1});  // a DNS query
    Packet p = DecodeChecked(b.Build());
    INFO("source port " << port << ": " << testing::Describe(p));
    CHECK(p.layers().size() == 3);  // Ethernet, IPv4, UDP: the DNS query is payload
    CHECK(p.stop == StopReason::kComplete);
    CHECK(p.tunnel_depth == 0);
  }
}

TEST_CASE("GENEVE with options, carrying Ethernet or IPv6", "[proto][geneve][tunnel]") {
  SECTION("Ethernet, one critical option") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv6({.src = V6(1), .dst = V6(2)})
        .Udp({.src_port = 50000, .dst_port = 6081})
        .Geneve({.vni = 0xabcdef,
                 .critical = true,
                 .options = GeneveOption(0x0102, 0x80, {1, 2, 3, 4, 5, 6, 7, 8})})
        .Ethernet(kMacD, kMacC)
        .Ipv4({.src = kIpC, .dst = kIpD})
        .Udp({.src_port = 111, .dst_port = 222})
        .Payload(3);
    Bytes f = b.Build();
    Packet p = DecodeChecked(f);
    CheckLayers(p, b.layers());
    CHECK(p.layers()[3].offset == 62);
    CHECK(p.layers()[3].length == 20);
    REQUIRE(p.geneve.size() == 1);
    CHECK(p.geneve[0].version == 0);
    CHECK(p.geneve[0].options_length == 12);
    CHECK_FALSE(p.geneve[0].oam);
    CHECK(p.geneve[0].critical);
    CHECK(p.geneve[0].protocol == 0x6558);
    CHECK(p.geneve[0].vni == 0xabcdef);
    CHECK(p.layers()[4].offset == 82);
    CHECK(p.inner.src == Addr(kIpC));
    CHECK(p.inner.dst_port == 222);
    CHECK(p.outer.dst_port == 6081);
  }
  SECTION("IPv6 directly, OAM") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv4({.src = kIpA, .dst = kIpB})
        .Udp({.src_port = 40000, .dst_port = 6081})
        .Geneve({.vni = 7, .oam = true})
        .Ipv6({.src = V6(1, 1), .dst = V6(2, 1)})
        .Icmpv6({.type = 135, .code = 0})
        .Payload(Ip6Bytes(V6(2, 1)));
    Packet p = DecodeChecked(b.Build());
    CheckLayers(p, b.layers());
    CHECK(p.geneve[0].options_length == 0);
    CHECK(p.geneve[0].oam);
    CHECK_FALSE(p.geneve[0].critical);
    CHECK(p.geneve[0].protocol == 0x86dd);
    CHECK(p.geneve[0].vni == 7);
    CHECK(p.inner.src == Addr(V6(1, 1)));
    CHECK(p.inner.icmp_type == 135);
  }
}

TEST_CASE("PPTP's enhanced GRE carrying PPP", "[proto][gre][ppp][tunnel]") {
  SECTION("address and control, key, sequence and acknowledgment") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv4({.src = kIpA, .dst = kIpB})
        .Gre({.key = 42u << 16 | 0x1234, .sequence = 3, .version = 1, .acknowledgment = 2})
        .Ppp()
        .Ipv4({.src = {192, 168, 0, 2}, .dst = kIpC})
        .Udp({.src_port = 1701, .dst_port = 1701})
        .Payload(10);
    Bytes f = b.Build();
    Packet p = DecodeChecked(f);
    CheckLayers(p, b.layers());
    REQUIRE(p.gre.size() == 1);
    const GreHeader& g = p.gre[0];
    CHECK(g.version == 1);
    CHECK(g.protocol == 0x880b);
    CHECK(g.has_key);
    CHECK(g.key == (42u << 16 | 0x1234));  // payload length 42, call id 0x1234
    CHECK(g.has_sequence);
    CHECK(g.sequence == 3);
    CHECK(g.acknowledgment == 2);
    CHECK_FALSE(g.has_checksum);
    CHECK_FALSE(g.cisco_metadata);
    CHECK(p.layers()[2].length == 16);
    REQUIRE(p.ppp.size() == 1);
    CHECK(p.ppp[0].protocol == 0x0021);
    CHECK(p.layers()[3].type == LayerType::kPpp);
    CHECK(p.layers()[3].offset == 50);
    CHECK(p.layers()[3].length == 4);
    CHECK(p.layers()[3].depth == 1);
    CHECK(p.tunnel_depth == 1);
    CHECK(p.inner.src == Addr(testing::Ip4{192, 168, 0, 2}));
    CHECK(p.inner.dst_port == 1701);
  }
  SECTION("address and control omitted, protocol compressed to one byte") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv4({.src = kIpA, .dst = kIpB})
        .Gre({.key = 28u << 16 | 0x0007, .version = 1})
        .Ppp(std::nullopt, /*acfc=*/true, /*pfc=*/true)
        .Ipv4({.src = {192, 168, 0, 3}, .dst = kIpC})
        .Icmp({.type = 8, .rest = 0x00010001});
    Packet p = DecodeChecked(b.Build());
    CheckLayers(p, b.layers());
    CHECK_FALSE(p.gre[0].has_sequence);
    CHECK(p.gre[0].acknowledgment == 0);
    CHECK(p.layers()[3].length == 1);
    CHECK(p.ppp[0].protocol == 0x21);
    CHECK(p.inner.icmp_type == 8);
  }
  SECTION("PPP carrying something else is unsupported") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv4({.src = kIpA, .dst = kIpB})
        .Gre({.key = 1, .version = 1})
        .Ppp(0xc021)
        .Payload(8);  // LCP
    Packet p = DecodeChecked(b.Build());
    CheckLayers(p, b.layers());
    CHECK(p.ppp[0].protocol == 0xc021);
    CHECK(p.stop == StopReason::kUnsupported);
    CHECK(p.stop_layer == LayerType::kPpp);
    CHECK(p.stop_offset == 42 + 4);
  }
}

// headers.h: the 8 MetaData bytes are "read as part of the GRE layer" (once a decoder bug: the
// layer was 8 bytes short, with a gap after it).
TEST_CASE("GRE with Cisco MetaData (TrustSec SGT)", "[proto][gre][tunnel]") {
  FrameBuilder b;
  b.Ethernet(kMacB, kMacA)
      .Ipv4({.src = kIpA, .dst = kIpB})
      .Gre({.key = 77, .cisco_sgt = 0x0abc})
      .Ipv4({.src = kIpC, .dst = kIpD})
      .Tcp({.src_port = 445, .dst_port = 50001, .flags = kTcpAck});
  Bytes f = b.Build();
  Packet p = DecodeChecked(f);
  CheckLayers(p, b.layers());
  CHECK(p.layers()[2].length == 16);  // 4 + key 4 + MetaData 8: "read as part of the GRE layer"
  REQUIRE(p.gre.size() == 1);
  CHECK(p.gre[0].protocol == 0x8909);
  CHECK(p.gre[0].cisco_metadata);
  CHECK(p.gre[0].security_group_tag == 0x0abc);
  CHECK(p.gre[0].key == 77);
  CHECK(p.layers()[3].offset == 50);
  CHECK(p.inner.src == Addr(kIpC));
  CHECK(p.inner.dst_port == 50001);
}

TEST_CASE("IP in IP: 4in4, 6in4, 4in6", "[proto][tunnel]") {
  SECTION("IPv4 in IPv4") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv4({.src = kIpA, .dst = kIpB})
        .Ipv4({.src = kIpC, .dst = kIpD})
        .Tcp({.src_port = 1, .dst_port = 2, .flags = kTcpSyn});
    Packet p = DecodeChecked(b.Build());
    CheckLayers(p, b.layers());
    CHECK(p.ipv4[0].protocol == 4);
    CHECK(p.layers()[2].depth == 1);
    CHECK(p.tunnel_depth == 1);
    CHECK(p.outer.protocol == 4);
    CHECK_FALSE(p.outer.has_ports);
    CHECK(p.inner.src == Addr(kIpC));
    CHECK(p.inner.ip_layer == 2);
    CHECK(p.inner.tcp_flags == kTcpSyn);
  }
  SECTION("IPv6 in IPv4") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv4({.src = kIpA, .dst = kIpB})
        .Ipv6({.src = V6(10), .dst = V6(11)})
        .Udp({.src_port = 3, .dst_port = 4});
    Packet p = DecodeChecked(b.Build());
    CheckLayers(p, b.layers());
    CHECK(p.ipv4[0].protocol == 41);
    CHECK(p.outer.protocol == 41);
    CHECK(p.inner.src == Addr(V6(10)));
    CHECK(p.inner.dst_port == 4);
  }
  SECTION("IPv4 in IPv6") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv6({.src = V6(1), .dst = V6(2)})
        .Ipv4({.src = kIpC, .dst = kIpD})
        .Icmp({.type = 0, .rest = 0x00050006});
    Packet p = DecodeChecked(b.Build());
    CheckLayers(p, b.layers());
    CHECK(p.ipv6[0].protocol == 4);
    CHECK(p.outer.src == Addr(V6(1)));
    CHECK(p.inner.src == Addr(kIpC));
    CHECK(p.inner.has_icmp);
    CHECK(p.inner.icmp_type == 0);
  }
}

TEST_CASE("MPLS in UDP", "[proto][mpls][tunnel]") {
  FrameBuilder b;
  b.Ethernet(kMacB, kMacA)
      .Ipv4({.src = kIpA, .dst = kIpB})
      .Udp({.src_port = 49153, .dst_port = 6635})
      .Mpls({.label = 1000, .traffic_class = 1, .ttl = 9})
      .Ipv4({.src = kIpC, .dst = kIpD})
      .Udp({.src_port = 5, .dst_port = 6});
  Bytes f = b.Build();
  SECTION("entered on port 6635") {
    Packet p = DecodeChecked(f);
    CheckLayers(p, b.layers());
    CHECK(p.mpls[0].label == 1000);
    CHECK(p.mpls[0].traffic_class == 1);
    CHECK(p.mpls[0].ttl == 9);
    CHECK(p.layers()[3].depth == 1);
    CHECK(p.inner.src == Addr(kIpC));
    CHECK(p.inner.dst_port == 6);
    CHECK(p.outer.dst_port == 6635);
  }
  SECTION("not entered when the port is 0") {
    DecodeOptions o;
    o.mpls_udp_port = 0;
    Packet p = DecodeChecked(f, Start::kEthernet, o);
    std::vector<BuiltLayer> want(b.layers().begin(), b.layers().begin() + 3);
    CheckLayers(p, want);
    CHECK(p.stop == StopReason::kComplete);
  }
}

TEST_CASE("DecodeOptions depth: link, network, transport", "[proto][options]") {
  SECTION("IPv6 with an extension header") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Vlan({.id = 5})
        .Ipv6({.src = V6(1), .dst = V6(2)})
        .Ipv6Options(testing::kExtHopByHop, 8)
        .Tcp({.src_port = 1, .dst_port = 2, .flags = kTcpAck});
    Bytes f = b.Build();
    const auto& all = b.layers();
    DecodeOptions o;
    SECTION("kLink stops before IP") {
      o.depth = Depth::kLink;
      Packet p = DecodeChecked(f, Start::kEthernet, o);
      CheckLayers(p, {all.begin(), all.begin() + 2});
      CHECK(p.stop == StopReason::kComplete);
      CHECK(p.stop_offset == 18);
      CHECK_FALSE(p.outer.present);
    }
    SECTION("kNetwork stops after IP and its extension headers") {
      o.depth = Depth::kNetwork;
      Packet p = DecodeChecked(f, Start::kEthernet, o);
      CheckLayers(p, {all.begin(), all.begin() + 4});
      CHECK(p.stop == StopReason::kComplete);
      CHECK(p.stop_offset == 66);
      CHECK(p.outer.present);
      CHECK(p.outer.protocol == 6);
      CHECK_FALSE(p.outer.has_ports);
    }
    SECTION("kTransport decodes the transport header") {
      o.depth = Depth::kTransport;
      Packet p = DecodeChecked(f, Start::kEthernet, o);
      CheckLayers(p, all);
      CHECK(p.stop == StopReason::kComplete);
      CHECK(p.outer.has_ports);
    }
  }
  SECTION("kTransport does not enter tunnels") {
    DecodeOptions o;
    o.depth = Depth::kTransport;
    SECTION("VXLAN") {
      FrameBuilder b;
      b.Ethernet(kMacB, kMacA)
          .Ipv4({.src = kIpA, .dst = kIpB})
          .Udp({.src_port = 1, .dst_port = 4789})
          .Vxlan({.vni = 1})
          .Ethernet(kMacD, kMacC)
          .Ipv4({.src = kIpC, .dst = kIpD})
          .Udp({.src_port = 2, .dst_port = 3});
      Packet p = DecodeChecked(b.Build(), Start::kEthernet, o);
      CheckLayers(p, {b.layers().begin(), b.layers().begin() + 3});
      CHECK(p.stop == StopReason::kComplete);
      CHECK(p.stop_offset == 42);
      CHECK(p.tunnel_depth == 0);
      CHECK(testing::Same(p.inner, p.outer));
    }
    SECTION("IP in IP") {
      FrameBuilder b;
      b.Ethernet(kMacB, kMacA)
          .Ipv4({.src = kIpA, .dst = kIpB})
          .Ipv4({.src = kIpC, .dst = kIpD})
          .Udp({.src_port = 2, .dst_port = 3});
      Packet p = DecodeChecked(b.Build(), Start::kEthernet, o);
      CheckLayers(p, {b.layers().begin(), b.layers().begin() + 2});
      CHECK(p.stop == StopReason::kComplete);
      CHECK(p.stop_offset == 34);
      CHECK(p.tunnel_depth == 0);
    }
    SECTION("GRE: the inner packet is not decoded") {
      FrameBuilder b;
      b.Ethernet(kMacB, kMacA)
          .Ipv4({.src = kIpA, .dst = kIpB})
          .Gre({.key = 1})
          .Ipv4({.src = kIpC, .dst = kIpD})
          .Udp({.src_port = 2, .dst_port = 3});
      Packet p = DecodeChecked(b.Build(), Start::kEthernet, o);
      INFO(testing::Describe(p));
      // Whether the GRE header itself counts as "the transport header" the contract leaves open.
      REQUIRE(p.layers().size() >= 2);
      CHECK(p.layers().size() <= 3);
      CHECK(p.stop == StopReason::kComplete);
      CHECK(p.tunnel_depth == 0);
    }
  }
}

// kLink "stop[s] before the first IP (or ARP) header", also after PPPoE and when the input
// starts with IP (once a decoder bug: both were decoded).
TEST_CASE("kLink and an IP start or PPPoE stop before IP", "[proto][options]") {
  DecodeOptions o;
  o.depth = Depth::kLink;
  SECTION("PPPoE") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Pppoe(1)
        .Ipv4({.src = kIpA, .dst = kIpB})
        .Udp({.src_port = 1, .dst_port = 2});
    Packet p = DecodeChecked(b.Build(), Start::kEthernet, o);
    CheckLayers(p, {b.layer(0), b.layer(1)});
    CHECK(p.stop == StopReason::kComplete);
    CHECK(p.stop_offset == 22);
    CHECK_FALSE(p.outer.present);
  }
  SECTION("Start::kIpv4, kIpv6, kIp") {
    FrameBuilder v4, v6;
    v4.Ipv4({.src = kIpA, .dst = kIpB}).Udp({.src_port = 1, .dst_port = 2});
    v6.Ipv6({.src = V6(1), .dst = V6(2)}).Udp({.src_port = 1, .dst_port = 2});
    for (auto [start, frame] :
         {std::pair{Start::kIpv4, v4.Build()}, std::pair{Start::kIp, v4.Build()},
          std::pair{Start::kIpv6, v6.Build()}, std::pair{Start::kIp, v6.Build()}}) {
      Packet p = DecodeChecked(frame, start, o);
      INFO("start " << int(start) << ": " << testing::Describe(p));
      CHECK(p.layers().empty());
      CHECK(p.stop == StopReason::kComplete);
      CHECK(p.stop_offset == 0);
    }
  }
}

// With only the 0xff address byte of PPP there, the 0x03 that makes it the address and control
// field is not seen yet: truncated (once a decoder bug: 0xff was read as a compressed protocol,
// kUnsupported with a 1-byte PPP layer).
TEST_CASE("A PPP header cut after its address byte is truncated", "[proto][ppp]") {
  FrameBuilder b;
  b.Ethernet(kMacB, kMacA)
      .Ipv4({.src = kIpA, .dst = kIpB})
      .Gre({.key = 1, .version = 1})
      .Ppp()
      .Ipv4({.src = kIpC, .dst = kIpD});
  Bytes f = b.Build();
  f.resize(b.layer(3).offset + 1);
  Packet p = DecodeChecked(f);
  INFO(testing::Describe(p));
  CHECK(p.stop == StopReason::kTruncated);
  CHECK(p.stop_layer == LayerType::kPpp);
  CHECK(p.ppp.empty());
}

// kTransport: "stop after the first transport header"; the ICMP header is that header, so the
// quote is not decoded (once a decoder bug).
TEST_CASE("kTransport stops after an ICMP error's header", "[proto][options]") {
  DecodeOptions o;
  o.depth = Depth::kTransport;
  FrameBuilder b;
  b.Ethernet(kMacB, kMacA)
      .Ipv4({.src = kIpC, .dst = kIpA})
      .Icmp({.type = 3, .code = 1})
      .Ipv4({.src = kIpA, .dst = kIpB})
      .Udp({.src_port = 2, .dst_port = 3});
  Packet p = DecodeChecked(b.Build(), Start::kEthernet, o);
  CheckLayers(p, {b.layers().begin(), b.layers().begin() + 3});
  CHECK(p.stop == StopReason::kComplete);
  CHECK(p.stop_offset == 42);
  CHECK(p.outer.has_icmp);
}

TEST_CASE("Limits: VLAN tags, MPLS labels, tunnels", "[proto][limits]") {
  SECTION("8 VLAN tags are fine, the 9th is the limit") {
    for (int tags : {8, 9}) {
      FrameBuilder b;
      b.Ethernet(kMacB, kMacA);
      for (int i = 0; i < tags; ++i) b.Vlan({.id = uint16_t(100 + i)});
      b.Ipv4({.src = kIpA, .dst = kIpB}).Udp({.src_port = 1, .dst_port = 2});
      Bytes f = b.Build();
      Packet p = DecodeChecked(f);
      INFO(tags << " tags: " << testing::Describe(p));
      if (tags == 8) {
        CheckLayers(p, b.layers());
        CHECK(p.stop == StopReason::kComplete);
      } else {
        CheckLayers(p, {b.layers().begin(), b.layers().begin() + 9});
        CHECK(p.vlan.size() == 8);
        CHECK(p.stop == StopReason::kLimit);
        CHECK(p.stop_layer == LayerType::kVlan);
        CHECK(p.stop_offset == 14 + 8 * 4);
        CHECK_FALSE(p.outer.present);
      }
    }
  }
  SECTION("max_vlan_tags = 2") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Vlan({.id = 1, .tpid = 0x88a8})
        .Vlan({.id = 2})
        .Vlan({.id = 3})
        .Ipv4({.src = kIpA, .dst = kIpB});
    DecodeOptions o;
    o.max_vlan_tags = 2;
    Packet p = DecodeChecked(b.Build(), Start::kEthernet, o);
    CheckLayers(p, {b.layers().begin(), b.layers().begin() + 3});
    CHECK(p.stop == StopReason::kLimit);
    CHECK(p.stop_layer == LayerType::kVlan);
    CHECK(p.stop_offset == 22);
  }
  SECTION("16 MPLS labels are fine, the 17th is the limit") {
    for (int labels : {16, 17}) {
      FrameBuilder b;
      b.Ethernet(kMacB, kMacA);
      for (int i = 0; i < labels; ++i) {
        b.Mpls({.label = uint32_t(1000 + i), .bottom_of_stack = i == labels - 1});
      }
      b.Ipv4({.src = kIpA, .dst = kIpB}).Udp({.src_port = 1, .dst_port = 2});
      Bytes f = b.Build();
      Packet p = DecodeChecked(f);
      INFO(labels << " labels: " << testing::Describe(p));
      if (labels == 16) {
        CheckLayers(p, b.layers());
        CHECK(p.stop == StopReason::kComplete);
      } else {
        CheckLayers(p, {b.layers().begin(), b.layers().begin() + 17});
        CHECK(p.stop == StopReason::kLimit);
        CHECK(p.stop_layer == LayerType::kMpls);
        CHECK(p.stop_offset == 14 + 16 * 4);
      }
    }
  }
  SECTION("max_mpls_labels = 1") {
    FrameBuilder b;
    b.Mpls({.label = 1, .bottom_of_stack = false})
        .Mpls({.label = 2})
        .Ipv4({.src = kIpA, .dst = kIpB});
    DecodeOptions o;
    o.max_mpls_labels = 1;
    Packet p = DecodeChecked(b.Build(), Start::kMpls, o);
    CheckLayers(p, {b.layers().begin(), b.layers().begin() + 1});
    CHECK(p.stop == StopReason::kLimit);
    CHECK(p.stop_layer == LayerType::kMpls);
    CHECK(p.stop_offset == 4);
  }
  SECTION("three tunnels are fine, the fourth is the limit") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA);
    for (uint8_t i = 0; i < 5; ++i) b.Ipv4({.src = {10, 0, 0, i}, .dst = {10, 0, 1, i}});
    b.Udp({.src_port = 1, .dst_port = 2});
    Bytes f = b.Build();
    Packet p = DecodeChecked(f);
    CheckLayers(p, {b.layers().begin(), b.layers().begin() + 5});
    CHECK(p.tunnel_depth == 3);
    CHECK(p.stop == StopReason::kLimit);
    CHECK(p.stop_layer == LayerType::kIpv4);
    CHECK(p.stop_offset == 14 + 4 * 20);
    CHECK(p.inner.src == Addr(testing::Ip4{10, 0, 0, 3}));
    CHECK_FALSE(p.inner.has_ports);
  }
  SECTION("max_tunnels = 1: VXLAN inside GRE is the limit") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv4({.src = kIpA, .dst = kIpB})
        .Gre({})
        .Ipv4({.src = kIpC, .dst = kIpD})
        .Udp({.src_port = 1, .dst_port = 4789})
        .Vxlan({.vni = 9})
        .Ethernet(kMacD, kMacC)
        .Ipv4({.src = kIpA, .dst = kIpC});
    DecodeOptions o;
    o.max_tunnels = 1;
    Packet p = DecodeChecked(b.Build(), Start::kEthernet, o);
    INFO(testing::Describe(p));
    // GRE entered; the VXLAN header may or may not be listed, its payload is not decoded.
    REQUIRE(p.layers().size() >= 5);
    CHECK(p.layers().size() <= 6);
    CHECK(p.tunnel_depth == 1);
    CHECK(p.stop == StopReason::kLimit);
    CHECK(p.inner.dst_port == 4789);
  }
  SECTION("max_tunnels = 0: not even GRE") {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA).Ipv4({.src = kIpA, .dst = kIpB}).Ipv6({.src = V6(1), .dst = V6(2)});
    DecodeOptions o;
    o.max_tunnels = 0;
    Packet p = DecodeChecked(b.Build(), Start::kEthernet, o);
    CheckLayers(p, {b.layers().begin(), b.layers().begin() + 2});
    CHECK(p.tunnel_depth == 0);
    CHECK(p.stop == StopReason::kLimit);
    CHECK(p.stop_offset == 34);
  }
}

TEST_CASE("Start: IPv4, IPv6, IP by version, MPLS", "[proto][start]") {
  SECTION("kIpv4") {
    FrameBuilder b;
    b.Ipv4({.src = kIpA, .dst = kIpB}).Tcp({.src_port = 80, .dst_port = 1024, .flags = kTcpAck});
    Bytes f = b.Build();
    Packet p = DecodeChecked(f, Start::kIpv4);
    CheckLayers(p, b.layers());
    CHECK(p.layers()[0].offset == 0);
    CHECK(p.layers()[1].offset == 20);
    CHECK(p.ethernet.empty());
    CHECK(p.outer.ip_layer == 0);
    CHECK(p.outer.src_port == 80);
    SECTION("kIp picks IPv4 by the version") {
      Packet q = DecodeChecked(f, Start::kIp);
      CHECK(testing::SamePacket(p, q));
    }
    SECTION("kIpv6 on IPv4 bytes is malformed") {
      Packet q = DecodeChecked(f, Start::kIpv6);
      CHECK(q.layers().empty());
      CHECK(q.stop == StopReason::kMalformed);
      CHECK(q.stop_offset == 0);
      CHECK(q.stop_layer == LayerType::kIpv6);
    }
  }
  SECTION("kIpv6") {
    FrameBuilder b;
    b.Ipv6({.src = V6(1), .dst = V6(2)}).Udp({.src_port = 53, .dst_port = 5353}).Payload(20);
    Bytes f = b.Build();
    Packet p = DecodeChecked(f, Start::kIpv6);
    CheckLayers(p, b.layers());
    CHECK(p.outer.src == Addr(V6(1)));
    CHECK(p.outer.ip_length == 68);
    SECTION("kIp picks IPv6 by the version") {
      Packet q = DecodeChecked(f, Start::kIp);
      CHECK(testing::SamePacket(p, q));
    }
    SECTION("kIpv4 on IPv6 bytes is malformed") {
      Packet q = DecodeChecked(f, Start::kIpv4);
      CHECK(q.layers().empty());
      CHECK(q.stop == StopReason::kMalformed);
      CHECK(q.stop_layer == LayerType::kIpv4);
    }
  }
  SECTION("kIp with another version is malformed") {
    Bytes f = {0x55, 0, 0, 20, 0, 0, 0, 0, 64, 6, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8};
    Packet p = DecodeChecked(f, Start::kIp);
    CHECK(p.layers().empty());
    CHECK(p.stop == StopReason::kMalformed);
    CHECK(p.stop_offset == 0);
  }
  SECTION("kMpls") {
    FrameBuilder b;
    b.Mpls({.label = 16, .bottom_of_stack = false})
        .Mpls({.label = 17})
        .Ipv4({.src = kIpA, .dst = kIpB})
        .Udp({.src_port = 1, .dst_port = 2});
    Packet p = DecodeChecked(b.Build(), Start::kMpls);
    CheckLayers(p, b.layers());
    CHECK(p.mpls[0].label == 16);
    CHECK(p.mpls[1].label == 17);
    CHECK(p.layers()[2].offset == 8);
    CHECK(p.outer.dst_port == 2);
  }
}

TEST_CASE("DecodeEtherType: the payload of a header that named it by EtherType",
          "[proto][ethertype]") {
  SECTION("IPv4") {
    FrameBuilder b;
    b.Ipv4({.src = kIpA, .dst = kIpB}).Udp({.src_port = 1, .dst_port = 2});
    Bytes f = b.Build();
    Packet p;
    DecodeEtherType(0x0800, f, {}, &p);
    CheckLayers(p, b.layers());
    CHECK(p.outer.src == Addr(kIpA));
    CHECK(p.stop == StopReason::kComplete);
  }
  SECTION("IPv6") {
    FrameBuilder b;
    b.Ipv6({.src = V6(1), .dst = V6(2)}).Tcp({.src_port = 1, .dst_port = 2});
    Packet p;
    DecodeEtherType(0x86dd, b.Build(), {}, &p);
    CheckLayers(p, b.layers());
  }
  SECTION("a VLAN tag (its TCI first: the TPID was the EtherType)") {
    FrameBuilder b;
    b.Vlan({.id = 9}).Ipv4({.src = kIpA, .dst = kIpB});
    Packet p;
    DecodeEtherType(0x8100, b.Build(), {}, &p);
    CheckLayers(p, b.layers());
    CHECK(p.vlan[0].tpid == 0x8100);
    CHECK(p.vlan[0].id == 9);
    CHECK(p.vlan[0].type == 0x0800);
  }
  SECTION("MPLS, Ethernet, ARP, PPPoE") {
    FrameBuilder mpls, eth, arp, pppoe;
    mpls.Mpls({.label = 5}).Ipv4({.src = kIpA, .dst = kIpB}).Udp({.src_port = 1, .dst_port = 2});
    eth.Ethernet(kMacB, kMacA).Ipv4({.src = kIpA, .dst = kIpB}).Udp({.src_port = 1, .dst_port = 2});
    arp.Arp({.sender_ip = kIpA, .target_ip = kIpB});
    pppoe.Pppoe(3).Ipv6({.src = V6(1), .dst = V6(2)}).Udp({.src_port = 1, .dst_port = 2});
    for (auto [type, builder] : {std::pair<uint16_t, FrameBuilder*>{0x8847, &mpls},
                                 {0x6558, &eth},
                                 {0x0806, &arp},
                                 {0x8864, &pppoe}}) {
      INFO("EtherType " << type);
      Packet p;
      DecodeEtherType(type, builder->Build(), {}, &p);
      CheckLayers(p, builder->layers());
      CHECK(p.stop == StopReason::kComplete);
    }
  }
  SECTION("anything else stops at once") {
    Bytes f(40, 0x45);
    Packet p;
    DecodeEtherType(0x88cc, f, {}, &p);
    CHECK(p.layers().empty());
    CHECK(p.stop == StopReason::kUnsupported);
    CHECK(p.stop_offset == 0);
  }
}

TEST_CASE("DecodeIpPayload: what follows an IP header that is elsewhere", "[proto][ippayload]") {
  SECTION("TCP: layers from offset 0, no flow summary") {
    FrameBuilder b;
    b.Ipv4({.src = kIpA, .dst = kIpB})
        .Tcp({.src_port = 1234,
              .dst_port = 80,
              .flags = kTcpSyn,
              .options = TcpOptions().Mss(1400).bytes()});
    Bytes f = b.Build();
    Bytes tcp(f.begin() + 20, f.end());
    Packet p;
    DecodeIpPayload(6, tcp, {}, &p);
    std::vector<BuiltLayer> want = {b.layer(1)};
    want[0].offset = 0;
    CheckLayers(p, want);
    CHECK(p.tcp[0].src_port == 1234);
    CHECK(p.tcp[0].mss == 1400);
    CHECK_FALSE(p.outer.present);
    CHECK_FALSE(p.outer.has_ports);
    CHECK_FALSE(p.inner.present);
    CHECK(p.stop == StopReason::kComplete);
    CHECK(p.stop_offset == 24);
  }
  SECTION("ICMPv6") {
    FrameBuilder b;
    b.Ipv6({.src = V6(1), .dst = V6(2)}).Icmpv6({.type = 128, .rest = 0x00010001}).Payload(8);
    Bytes f = b.Build();
    Packet p;
    DecodeIpPayload(58, Bytes(f.begin() + 40, f.end()), {}, &p);
    REQUIRE(p.layers().size() == 1);
    CHECK(p.layers()[0].type == LayerType::kIcmpv6);
    CHECK(p.icmp[0].type == 128);
    CHECK_FALSE(p.outer.has_icmp);
  }
  SECTION("an unknown protocol stops at once") {
    Packet p;
    DecodeIpPayload(99, Bytes(20, 0), {}, &p);
    CHECK(p.layers().empty());
    CHECK(p.stop == StopReason::kUnsupported);
    CHECK(p.stop_offset == 0);
  }
}

TEST_CASE("IPv4 total length 0 (segmentation offload) is tolerated", "[proto][ipv4]") {
  FrameBuilder b;
  b.Ethernet(kMacB, kMacA)
      .Ipv4({.src = kIpA, .dst = kIpB, .total_length = 0})
      .Tcp({.src_port = 1, .dst_port = 2, .flags = kTcpAck})
      .Payload(3000);
  Packet p = DecodeChecked(b.Build());
  CheckLayers(p, b.layers());
  CHECK(p.ipv4[0].total_length == 0);
  CHECK(p.outer.has_ports);
  CHECK(p.stop == StopReason::kComplete);
}

// packet.h: "kTruncated: the bytes end inside a header", quoted ones included (once a decoder
// bug: a cut inside the quote gave kComplete).
TEST_CASE("A cut inside an ICMP quote is truncated", "[proto][icmp][truncated]") {
  FrameBuilder b;
  b.Ethernet(kMacB, kMacA)
      .Ipv4({.src = kIpC, .dst = kIpA})
      .Icmp({.type = 3, .code = 3})
      .Ipv4({.src = kIpA, .dst = kIpB})
      .Udp({.src_port = 33434, .dst_port = 33435});
  Bytes f = b.Build();
  Packet p = DecodeChecked(Bytes(f.begin(), f.begin() + 42 + 12));
  INFO(testing::Describe(p));
  REQUIRE(p.layers().size() == 4);
  CHECK(p.layers()[3].truncated);
  CHECK(p.stop == StopReason::kTruncated);
}

TEST_CASE("Ethernet padding after a short packet is not decoded", "[proto][ipv4]") {
  FrameBuilder b;
  b.Ethernet(kMacB, kMacA)
      .Ipv4({.src = kIpA, .dst = kIpB})
      .Udp({.src_port = 1, .dst_port = 2})
      .Trailer(18, 0xee);  // padding to 60 bytes
  Bytes f = b.Build();
  REQUIRE(f.size() == 60);
  Packet p = DecodeChecked(f);
  CheckLayers(p, b.layers());
  CHECK(p.ipv4[0].total_length == 28);
  CHECK(p.udp[0].length == 8);
  CHECK(p.stop == StopReason::kComplete);
  CHECK(p.stop_offset == 42);
}

TEST_CASE("Cut inside a header: listed as truncated, stop truncated", "[proto][truncated]") {
  FrameBuilder b;
  b.Ethernet(kMacB, kMacA)
      .Ipv4({.src = kIpA, .dst = kIpB, .ttl = 77})
      .Tcp({.src_port = 1000,
            .dst_port = 2000,
            .flags = kTcpSyn,
            .options = TcpOptions().Mss(1460).Nop().WindowScale(2).bytes()});
  Bytes f = b.Build();
  auto cut = [&f](size_t n) { return Bytes(f.begin(), f.begin() + long(n)); };
  // A truncated layer: what the builder wrote, cut to `n` bytes.
  auto cut_layer = [&b](size_t i, size_t n) {
    BuiltLayer l = b.layer(i);
    l.length = n - l.offset;
    l.truncated = true;
    return l;
  };
  SECTION("in the Ethernet header") {
    Packet p = DecodeChecked(cut(13));
    CheckLayers(p, {cut_layer(0, 13)});
    CHECK(p.ethernet[0].dst == kMacB);
    CHECK(p.stop == StopReason::kTruncated);
    CHECK(p.stop_layer == LayerType::kEthernet);
    CHECK(p.stop_offset <= 13);
  }
  SECTION("in the IPv4 fixed header") {
    Packet p = DecodeChecked(cut(22));
    CheckLayers(p, {b.layer(0), cut_layer(1, 22)});
    CHECK(p.ipv4[0].header_length == 20);
    CHECK(p.ipv4[0].total_length == 48);
    CHECK(p.ipv4[0].ttl == 0);  // byte 8 of the header is beyond the cut: left zero
    CHECK(p.stop == StopReason::kTruncated);
    CHECK(p.stop_layer == LayerType::kIpv4);
    CHECK(p.stop_offset >= 14);
    CHECK(p.stop_offset <= 22);
    CHECK_FALSE(p.outer.present);  // the summaries take complete headers only
  }
  SECTION("after the TCP ports") {
    Packet p = DecodeChecked(cut(34 + 6));
    CheckLayers(p, {b.layer(0), b.layer(1), cut_layer(2, 40)});
    CHECK(p.tcp[0].src_port == 1000);
    CHECK(p.tcp[0].dst_port == 2000);
    CHECK(p.stop == StopReason::kTruncated);
    CHECK(p.stop_layer == LayerType::kTcp);
    CHECK(p.outer.present);
    CHECK(p.outer.ttl == 77);
    CHECK(p.outer.ip_length == 48);  // what the header says, not what was captured
    CHECK(p.outer.has_ports);        // ports from a transport header whose first 4 bytes are there
    CHECK(p.outer.src_port == 1000);
    CHECK(p.outer.tcp_flags == 0);  // the flags are not
  }
  SECTION("in the TCP options") {
    Packet p = DecodeChecked(cut(34 + 22));
    CheckLayers(p, {b.layer(0), b.layer(1), cut_layer(2, 56)});
    CHECK(p.tcp[0].header_length == 28);
    CHECK(p.tcp[0].flags == kTcpSyn);
    CHECK(p.stop == StopReason::kTruncated);
    CHECK(p.stop_layer == LayerType::kTcp);
    CHECK(p.stop_offset >= 34);
    CHECK(p.stop_offset <= 56);
    CHECK(p.outer.has_ports);
  }
  SECTION("between two headers") {
    Packet p = DecodeChecked(cut(34));
    CheckLayers(p, {b.layer(0), b.layer(1)});
    CHECK((p.stop == StopReason::kTruncated || p.stop == StopReason::kComplete));
    CHECK(p.stop_offset == 34);
    CHECK(p.outer.present);
    CHECK_FALSE(p.outer.has_ports);
  }
}

// Decoder bug (reported): packet.h says "A header cut by the end of the bytes is still listed,
// marked truncated"; these headers are left out instead when the bytes end inside them.
TEST_CASE("Every header cut by the end of the bytes is listed as truncated",
          "[proto][truncated][!mayfail]") {
  struct Case {
    const char* what;
    Bytes frame;
    size_t layer;  // the one to cut in the middle
  };
  std::vector<Case> cases;
  auto add = [&cases](const char* what, FrameBuilder& b, size_t layer) {
    cases.push_back({what, b.Build(), layer});
  };
  {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA).LlcSnap().Ipv4({.src = kIpA, .dst = kIpB});
    add("LLC/SNAP", b, 1);
  }
  {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA).Pppoe(1).Ipv4({.src = kIpA, .dst = kIpB});
    add("PPPoE", b, 1);
  }
  {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA).Arp({.sender_ip = kIpA, .target_ip = kIpB});
    add("ARP", b, 1);
  }
  {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA).Mpls({.label = 1}).PwControlWord(0, 0, 1).Ethernet(kMacD, kMacC);
    add("PW control word", b, 2);
  }
  {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv6({.src = V6(1), .dst = V6(2)})
        .Ipv6Options(testing::kExtHopByHop, 16)
        .Udp({.src_port = 1, .dst_port = 2});
    add("IPv6 hop-by-hop", b, 2);
  }
  {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv4({.src = kIpA, .dst = kIpB})
        .Gre({.key = 1, .sequence = 2})
        .Ipv4({.src = kIpC, .dst = kIpD});
    add("GRE", b, 2);
  }
  {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv4({.src = kIpA, .dst = kIpB})
        .Gre({.sequence = 1})
        .ErspanII({.session_id = 1})
        .Ethernet(kMacD, kMacC);
    add("ERSPAN", b, 3);
  }
  {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv4({.src = kIpA, .dst = kIpB})
        .Udp({.src_port = 1, .dst_port = 6081})
        .Geneve({.vni = 1})
        .Ethernet(kMacD, kMacC);
    add("GENEVE", b, 3);
  }
  {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv4({.src = kIpA, .dst = kIpB})
        .Gre({.key = 1, .version = 1})
        .Ppp()
        .Ipv4({.src = kIpC, .dst = kIpD});
    add("PPP", b, 3);
  }
  for (const Case& c : cases) {
    Packet full = DecodeChecked(c.frame);
    REQUIRE(full.layers().size() > c.layer);
    const Layer& l = full.layers()[c.layer];
    size_t n = l.offset + l.length / 2;
    Packet p = DecodeChecked(Bytes(c.frame.begin(), c.frame.begin() + long(n)));
    INFO(c.what << " cut at " << n << ": " << testing::Describe(p));
    CHECK(p.stop == StopReason::kTruncated);
    CHECK(p.layers().size() == c.layer + 1);
    if (p.layers().size() == c.layer + 1) {
      CHECK(p.layers().back().type == l.type);
      CHECK(p.layers().back().truncated);
      CHECK(p.layers().back().length == n - l.offset);
    }
  }
}

// Decoder bug (reported): Layer::truncated says "the fields beyond them are left zero"; a field
// the cut splits is filled from the bytes there and zeros, a value that was never on the wire.
TEST_CASE("A field the cut splits is left zero", "[proto][truncated][!mayfail]") {
  FrameBuilder b;
  b.Ethernet(kMacB, kMacA)
      .Ipv6({.src = V6(1), .dst = V6(0x42, 0x17)})
      .Udp({.src_port = 1, .dst_port = 2});
  Bytes f = b.Build();
  SECTION("Ethernet source cut after 4 of its 6 bytes") {
    Packet p = DecodeChecked(Bytes(f.begin(), f.begin() + 10));
    REQUIRE(p.ethernet.size() == 1);
    CHECK(p.ethernet[0].dst == kMacB);
    CHECK(p.ethernet[0].src == MacAddress{});
  }
  SECTION("IPv6 destination cut after 15 of its 16 bytes") {
    Packet p = DecodeChecked(Bytes(f.begin(), f.begin() + 14 + 39));
    REQUIRE(p.ipv6.size() == 1);
    CHECK(p.ipv6[0].src == V6(1));  // "a 39-byte IPv6 header still gives its source address"
    CHECK(p.ipv6[0].dst == testing::Ip6{});
  }
}

TEST_CASE("A sampled header cut inside the payload is complete", "[proto][truncated]") {
  FrameBuilder b;
  b.Ethernet(kMacB, kMacA)
      .Vlan({.id = 7})
      .Ipv4({.src = kIpA, .dst = kIpB})
      .Udp({.src_port = 1, .dst_port = 4789})
      .Vxlan({.vni = 77})
      .Ethernet(kMacD, kMacC)
      .Ipv6({.src = V6(1), .dst = V6(2)})
      .Tcp({.src_port = 3, .dst_port = 4, .flags = kTcpAck})
      .Payload(400);
  Bytes f = b.Build();
  Packet full = DecodeChecked(f);
  Bytes sampled(f.begin(), f.begin() + 128);
  Packet p = DecodeChecked(sampled);
  CheckLayers(p, b.layers());
  CHECK(p.stop == StopReason::kComplete);
  CHECK(testing::SamePacket(p, full));
  CHECK(p.inner.ip_length == 40 + 20 + 400);
}

TEST_CASE("A reused Packet is reset by Decode", "[proto][reuse]") {
  std::vector<testing::SampleFrame> frames = testing::SampleFrames();
  Packet reused;
  for (size_t round = 0; round < 2; ++round) {
    for (const auto& s : frames) {
      INFO(s.name);
      Decode(s.bytes, s.start, {}, &reused);
      Packet fresh;
      Decode(s.bytes, s.start, {}, &fresh);
      CHECK(testing::SamePacket(reused, fresh));
    }
  }
}

TEST_CASE("Every sample frame decodes to the headers it was built from", "[proto][samples]") {
  for (const auto& s : testing::SampleFrames()) {
    INFO(s.name);
    Packet p = DecodeChecked(s.bytes, s.start);
    CheckLayers(p, s.layers);
    StopReason want = StopReason::kComplete;
    if (s.name.find("fragment_later") != std::string::npos) want = StopReason::kFragment;
    if (s.name == "eth_ipv6_esp" || s.name == "eth_llc_stp") want = StopReason::kUnsupported;
    CHECK(p.stop == want);
  }
}

TEST_CASE("Stop reason and layer type names", "[proto][names]") {
  CHECK(std::string(StopReasonName(StopReason::kComplete)) == "complete");
  CHECK(std::string(StopReasonName(StopReason::kTruncated)) == "truncated");
  CHECK(std::string(StopReasonName(StopReason::kMalformed)) == "malformed");
  CHECK(std::string(StopReasonName(StopReason::kUnsupported)) == "unsupported");
  CHECK(std::string(StopReasonName(StopReason::kFragment)) == "fragment");
  CHECK(std::string(StopReasonName(StopReason::kLimit)) == "limit");
  CHECK(std::string(LayerTypeName(LayerType::kEthernet)) == "ethernet");
  CHECK(std::string(LayerTypeName(LayerType::kVlan)) == "vlan");
  CHECK(std::string(LayerTypeName(LayerType::kIpv4)) == "ipv4");
  std::vector<std::string> names;
  for (int t = 0; t < kLayerTypeCount; ++t) {
    const char* n = LayerTypeName(LayerType(t));
    REQUIRE(n != nullptr);
    CHECK(std::string(n).size() > 0);
    for (const auto& other : names) CHECK(other != n);
    names.push_back(n);
  }
}

}  // namespace
}  // namespace cistern::proto
