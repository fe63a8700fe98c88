"""Reference data for synthetic portfolios: names, regions, US area codes.

Chinese surname weights approximate the published household-register frequencies (王, 李 and 张
together ≈ 21 %, the top 100 ≈ 85 %); the remainder is spread over rarer surnames, including a few
compound ones (欧阳, 司马, 诸葛). US surname weights follow the 2010 census counts per 100,000; first
names follow a Zipf-like curve over common names of people born 1955–2000. Province and state weights
follow population. The US area-code table (code, state, IANA zones) was taken from libphonenumber's
geocoder and time-zone data for the fictional 555-01XX numbers, so every generated number parses as a
valid US number with known zones.
"""

from __future__ import annotations


def _words(text: str) -> list[str]:
    return text.split()


def _pairs(text: str) -> tuple[tuple[str, float], ...]:
    return tuple((name, float(weight)) for name, weight in (item.split(":") for item in _words(text)))


# (surname, percent of population)
CN_SURNAMES = _pairs(
    """
王:7.25 李:7.19 张:6.76 刘:5.38 陈:4.53 杨:3.08 赵:2.29 黄:2.23 吴:2.05 周:2.05 徐:1.67 孙:1.54 胡:1.31
马:1.29 朱:1.28 郭:1.15 林:1.09 何:1.06 高:1.04 罗:0.86 郑:0.78 梁:0.72 谢:0.71 宋:0.68 唐:0.66 许:0.64
韩:0.63 冯:0.61 邓:0.6 曹:0.59 彭:0.58 曾:0.56 肖:0.55 田:0.54 董:0.53 袁:0.52 潘:0.51 于:0.5 蒋:0.49 蔡:0.48
余:0.47 杜:0.46 叶:0.45 程:0.44 苏:0.43 魏:0.42 吕:0.41 丁:0.4 任:0.39 沈:0.38 姚:0.37 卢:0.36 姜:0.35 崔:0.34
钟:0.33 谭:0.32 陆:0.31 汪:0.3 范:0.3 金:0.29 石:0.28 廖:0.28 贾:0.27 夏:0.27 韦:0.26 付:0.26 方:0.25 白:0.25
邹:0.24 孟:0.24 熊:0.23 秦:0.23 邱:0.22 江:0.22 尹:0.21 薛:0.21 闫:0.2 段:0.2 雷:0.19 侯:0.19 龙:0.18 史:0.18
陶:0.17 黎:0.17 贺:0.17 顾:0.16 毛:0.16 郝:0.16 龚:0.15 邵:0.15 万:0.15 钱:0.14 严:0.14 覃:0.14 武:0.13
戴:0.13 莫:0.13 孔:0.12 向:0.12 汤:0.12 常:0.11 温:0.11 康:0.11 施:0.1 文:0.1 牛:0.1 樊:0.1 葛:0.09 邢:0.09
安:0.09 齐:0.09 易:0.08 乔:0.08 伍:0.08 庞:0.08 颜:0.08 倪:0.07 庄:0.07 聂:0.07 章:0.07 鲁:0.07 岳:0.06
翟:0.06 殷:0.06 詹:0.06 申:0.06 欧阳:0.05 耿:0.05 关:0.05 兰:0.05 焦:0.05 俞:0.05 左:0.05 柳:0.05 甘:0.05
祝:0.05 包:0.05 宁:0.04 尚:0.04 符:0.04 舒:0.04 阮:0.04 柯:0.04 纪:0.04 梅:0.04 童:0.04 凌:0.04 毕:0.04
单:0.04 季:0.04 裴:0.04 霍:0.04 涂:0.04 成:0.04 苗:0.04 谷:0.04 盛:0.04 曲:0.04 翁:0.04 冉:0.04 骆:0.04
蓝:0.04 路:0.04 游:0.04 辛:0.04 靳:0.03 管:0.03 柴:0.03 蒙:0.03 鲍:0.03 华:0.03 喻:0.03 祁:0.03 蒲:0.03
房:0.03 滕:0.03 屈:0.03 饶:0.03 解:0.03 牟:0.03 艾:0.03 尤:0.03 阳:0.03 时:0.03 穆:0.03 农:0.03 司:0.03
卓:0.03 古:0.03 吉:0.03 缪:0.03 简:0.03 车:0.03 项:0.03 连:0.03 芦:0.03 麦:0.03 褚:0.03 娄:0.03 窦:0.03
戚:0.03 岑:0.03 景:0.03 党:0.03 宫:0.03 费:0.03 卜:0.03 冷:0.03 晏:0.03 席:0.03 卫:0.03 米:0.03 柏:0.03
宗:0.03 瞿:0.03 桂:0.03 全:0.03 佟:0.03 应:0.03 臧:0.03 闵:0.03 苟:0.03 邬:0.03 边:0.03 卞:0.03 姬:0.03
师:0.03 和:0.03 仇:0.03 栾:0.03 隋:0.03 商:0.03 刁:0.03 沙:0.03 荣:0.03 巫:0.03 寇:0.03 桑:0.03 郎:0.03
甄:0.03 丛:0.03 仲:0.03 虞:0.03 敖:0.03 巩:0.03 明:0.03 佘:0.03 池:0.03 查:0.03 麻:0.03 苑:0.03 迟:0.03
邝:0.03 司马:0.005 诸葛:0.005 上官:0.005 东方:0.004 皇甫:0.003
"""
)

# Characters common in given names, by the sex they are usually given to (some are shared).
CN_GIVEN_MALE = (
    "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林欢阳建亮成博文志峰海东晨子轩然豪睿"
    "哲翔鹏毅彬锋振国庆宏伦嘉瑞泽一航天佳铭恒昊若晗逸凡浩宸梓煜"
)
CN_GIVEN_FEMALE = (
    "芳娜敏静秀丽艳娟霞燕玲丹萍红玉兰婷雪琳颖倩慧佳欣怡梅莉晶蕾悦璐思雨涵萱诗琪婉瑶洁雯楠彤月"
    "妍菲晓丽君蓉薇茜露蕊岚珊凤桂英华春"
)

# ISO 3166-2:CN subdivision codes (without the CN- prefix) and population in millions (2020 census).
CN_PROVINCES = _pairs(
    """
GD:126.0 SD:101.5 HA:99.4 JS:84.7 SC:83.7 HE:74.6 HN:66.4 ZJ:64.6 AH:61.0 HB:57.8 GX:50.1 YN:47.2
JX:45.2 LN:42.6 FJ:41.5 SN:39.5 GZ:38.6 SX:34.9 CQ:32.1 HL:31.9 XJ:25.9 GS:25.0 SH:24.9 NM:24.0
JL:24.1 BJ:21.9 TJ:13.9 HI:10.1 NX:7.2 QH:5.9 XZ:3.6
"""
)

CN_PRODUCTS: tuple[tuple[str, float], ...] = (
    ("随借随还", 0.34),
    ("消费分期", 0.28),
    ("现金分期", 0.18),
    ("账单分期", 0.12),
    ("商品分期", 0.08),
)

US_PRODUCTS: tuple[tuple[str, float], ...] = (
    ("Personal Loan", 0.36),
    ("Installment Loan", 0.24),
    ("Pay in 4", 0.18),
    ("Line of Credit", 0.14),
    ("Auto Refinance", 0.08),
)

US_FIRST_MALE = _words(
    """
James Michael John Robert David William Richard Joseph Thomas Christopher Charles Daniel Matthew
Anthony Mark Donald Steven Andrew Paul Joshua Kenneth Kevin Brian Timothy Ronald George Jason
Edward Jeffrey Ryan Jacob Nicholas Gary Eric Jonathan Stephen Larry Justin Scott Brandon
Benjamin Samuel Gregory Alexander Patrick Frank Raymond Jack Dennis Jerry Tyler Aaron Jose Adam
Nathan Henry Zachary Douglas Peter Kyle Noah Ethan Jeremy Christian Walter Keith Austin Roger
Terry Sean Gerald Carl Dylan Harold Jordan Jesse Bryan Lawrence Arthur Gabriel Bruce Logan Billy
Joe Alan Juan Elijah Willie Albert Wayne Randy Mason Vincent Liam Roy Bobby Caleb Bradley
Russell Luis Carlos Miguel
"""
)

US_FIRST_FEMALE = _words(
    """
Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Karen Sarah Lisa Nancy Sandra Betty
Ashley Emily Kimberly Margaret Donna Michelle Carol Amanda Melissa Deborah Stephanie Rebecca
Sharon Laura Cynthia Dorothy Amy Kathleen Angela Shirley Emma Brenda Pamela Nicole Anna Samantha
Katherine Christine Debra Rachel Carolyn Janet Maria Olivia Heather Helen Catherine Diane Julie
Victoria Joyce Lauren Kelly Christina Ruth Joan Virginia Judith Evelyn Hannah Andrea Megan
Cheryl Jacqueline Madison Teresa Abigail Sophia Martha Sara Gloria Janice Kathryn Ann Isabella
Judy Charlotte Julia Grace Amber Alice Jean Denise Frances Danielle Marilyn Natalie Beverly
Diana Brittany Theresa Kayla Alexis Doris Lori Tiffany Rosa Guadalupe Ana
"""
)

# (surname, count per 100,000 people, 2010 US census)
US_SURNAMES = _pairs(
    """
Smith:828 Johnson:655 Williams:550 Brown:487 Jones:483 Garcia:395 Miller:382 Davis:369
Rodriguez:369 Martinez:355 Hernandez:344 Lopez:302 Gonzalez:292 Wilson:280 Anderson:272
Thomas:264 Taylor:262 Moore:245 Jackson:242 Martin:239 Lee:234 Perez:225 Thompson:224 White:222
Harris:207 Sanchez:204 Clark:188 Ramirez:186 Lewis:181 Robinson:181 Walker:176 Young:163
Allen:161 King:157 Wright:156 Scott:150 Torres:144 Nguyen:143 Hill:142 Flores:142 Green:141
Adams:140 Nelson:136 Baker:135 Hall:134 Rivera:129 Campbell:125 Mitchell:124 Carter:123
Roberts:122 Gomez:113 Phillips:112 Evans:111 Turner:110 Diaz:109 Parker:108 Cruz:107 Edwards:106
Collins:105 Reyes:104 Stewart:103 Morris:102 Morales:101 Murphy:100 Cook:99 Rogers:98
Gutierrez:97 Ortiz:96 Morgan:95 Cooper:94 Peterson:93 Bailey:92 Reed:91 Kelly:90 Howard:89
Ramos:88 Kim:87 Cox:86 Ward:85 Richardson:84 Watson:83 Brooks:82 Chavez:81 Wood:80 James:79
Bennett:78 Gray:77 Mendoza:76 Ruiz:75 Hughes:74 Price:73 Alvarez:72 Castillo:71 Sanders:70
Patel:69 Myers:68 Long:67 Ross:66 Foster:65 Jimenez:64 Powell:63 Jenkins:62 Perry:61 Russell:60
Sullivan:59 Bell:58 Coleman:57 Butler:56 Henderson:55 Barnes:54 Gonzales:53 Fisher:52 Vasquez:51
Simmons:50 Romero:49 Jordan:48 Patterson:47 Alexander:46 Hamilton:45 Graham:44 Reynolds:43
Griffin:42 Wallace:41 Moreno:40 West:39 Cole:38 Hayes:37 Bryant:36 Herrera:35 Gibson:34 Ellis:33
Tran:32 Medina:31 Aguilar:30 Stevens:29 Murray:28 Ford:27 Castro:26 Marshall:25 Owens:24
Harrison:23 Fernandez:22 McDonald:21 Woods:20 Washington:19 Kennedy:18 Wells:17 Vargas:16
Henry:15 Chen:15 Freeman:15 Webb:15 Tucker:15 Guzman:15 Burns:15 Crawford:15 Olson:15 Simpson:15
Porter:15 Hunter:15
"""
)

# (area code, state, candidate zones) for every area code whose 555-0100..555-0199 numbers are valid.
US_AREA_CODES: tuple[tuple[str, str, tuple[str, ...]], ...] = tuple(
    (code, state, tuple(zones.split("|")))
    for code, state, zones in (
        item.split(":")
        for item in _words(
            """
201:NJ:America/New_York 202:DC:America/New_York 203:CT:America/New_York 205:AL:America/Chicago
206:WA:America/Los_Angeles 207:ME:America/New_York 208:ID:America/Boise|America/Los_Angeles
209:CA:America/Los_Angeles 210:TX:America/Chicago 212:NY:America/New_York
213:CA:America/Los_Angeles 214:TX:America/Chicago 215:PA:America/New_York
216:OH:America/New_York 217:IL:America/Chicago 218:MN:America/Chicago 219:IN:America/New_York
220:OH:America/New_York 223:PA:America/New_York 224:IL:America/Chicago 225:LA:America/Chicago
227:MD:America/New_York 228:MS:America/Chicago 229:GA:America/New_York 231:MI:America/New_York
234:OH:America/New_York 235:MO:America/Chicago 239:FL:America/New_York 240:MD:America/New_York
248:MI:America/New_York 251:AL:America/Chicago 252:NC:America/New_York
253:WA:America/Los_Angeles 254:TX:America/Chicago 256:AL:America/Chicago 260:IN:America/New_York
262:WI:America/Chicago 267:PA:America/New_York 269:MI:America/New_York 270:KY:America/New_York
272:PA:America/New_York 274:WI:America/Chicago 276:VA:America/New_York
279:CA:America/Los_Angeles 281:TX:America/Chicago 283:OH:America/New_York
301:MD:America/New_York 302:DE:America/New_York 303:CO:America/Denver 304:WV:America/New_York
305:FL:America/New_York 307:WY:America/Denver 308:NE:America/Chicago 309:IL:America/Chicago
310:CA:America/Los_Angeles 312:IL:America/Chicago 313:MI:America/New_York 314:MO:America/Chicago
315:NY:America/New_York 316:KS:America/Chicago 317:IN:America/New_York 318:LA:America/Chicago
319:IA:America/Chicago 320:MN:America/Chicago 321:FL:America/New_York 323:CA:America/Los_Angeles
324:FL:America/New_York 325:TX:America/Chicago 326:OH:America/New_York 327:AR:America/Chicago
329:NY:America/New_York 330:OH:America/New_York 331:IL:America/Chicago 332:NY:America/New_York
334:AL:America/Chicago 336:NC:America/New_York 337:LA:America/Chicago 339:MA:America/New_York
341:CA:America/Los_Angeles 346:TX:America/Chicago 347:NY:America/New_York
350:CA:America/Los_Angeles 351:MA:America/New_York 352:FL:America/New_York
353:WI:America/Chicago 360:WA:America/Los_Angeles 361:TX:America/Chicago 363:NY:America/New_York
364:KY:America/New_York 369:CA:America/Los_Angeles 380:OH:America/New_York 385:UT:America/Denver
386:FL:America/New_York 401:RI:America/New_York 402:NE:America/Chicago 404:GA:America/New_York
405:OK:America/Chicago 406:MT:America/Denver 407:FL:America/New_York 408:CA:America/Los_Angeles
409:TX:America/Chicago 410:MD:America/New_York 412:PA:America/New_York 413:MA:America/New_York
414:WI:America/Chicago 415:CA:America/Los_Angeles 417:MO:America/Chicago 419:OH:America/New_York
423:TN:America/Chicago 424:CA:America/Los_Angeles 425:WA:America/Los_Angeles
430:TX:America/Chicago 432:TX:America/Chicago 434:VA:America/New_York 435:UT:America/Denver
440:OH:America/New_York 442:CA:America/Los_Angeles 443:MD:America/New_York
445:PA:America/New_York 447:IL:America/Chicago 448:FL:America/New_York
458:OR:America/Los_Angeles 463:IN:America/New_York 464:IL:America/Chicago 469:TX:America/Chicago
470:GA:America/New_York 472:NC:America/New_York 475:CT:America/New_York 478:GA:America/New_York
479:AR:America/Chicago 480:AZ:America/Phoenix 484:PA:America/New_York 501:AR:America/Chicago
502:KY:America/New_York 503:OR:America/Los_Angeles 504:LA:America/Chicago 505:NM:America/Denver
507:MN:America/Chicago 508:MA:America/New_York 509:WA:America/Los_Angeles
510:CA:America/Los_Angeles 512:TX:America/Chicago 513:OH:America/New_York 515:IA:America/Chicago
516:NY:America/New_York 517:MI:America/New_York 518:NY:America/New_York 520:AZ:America/Phoenix
530:CA:America/Los_Angeles 531:NE:America/Chicago 534:WI:America/Chicago 539:OK:America/Chicago
540:VA:America/New_York 541:OR:America/Los_Angeles 551:NJ:America/New_York
557:MO:America/Chicago 559:CA:America/Los_Angeles 561:FL:America/New_York
562:CA:America/Los_Angeles 563:IA:America/Chicago 564:WA:America/Los_Angeles
567:OH:America/New_York 570:PA:America/New_York 571:VA:America/New_York 572:OK:America/Chicago
573:MO:America/Chicago 574:IN:America/New_York 575:NM:America/Denver 580:OK:America/Chicago
582:PA:America/New_York 585:NY:America/New_York 586:MI:America/New_York 601:MS:America/Chicago
602:AZ:America/Phoenix 603:NH:America/New_York 605:SD:America/Denver|America/North_Dakota/Center
606:KY:America/New_York 607:NY:America/New_York 608:WI:America/Chicago 609:NJ:America/New_York
610:PA:America/New_York 612:MN:America/Chicago 614:OH:America/New_York 615:TN:America/Chicago
616:MI:America/New_York 617:MA:America/New_York 618:IL:America/Chicago
619:CA:America/Los_Angeles 620:KS:America/Chicago 623:AZ:America/Phoenix
626:CA:America/Los_Angeles 628:CA:America/Los_Angeles 629:TN:America/Chicago
630:IL:America/Chicago 631:NY:America/New_York 636:MO:America/Chicago 640:NJ:America/New_York
641:IA:America/Chicago 645:FL:America/New_York 646:NY:America/New_York
650:CA:America/Los_Angeles 651:MN:America/Chicago 656:FL:America/New_York
657:CA:America/Los_Angeles 659:AL:America/Chicago 660:MO:America/Chicago
661:CA:America/Los_Angeles 662:MS:America/Chicago 667:MD:America/New_York
669:CA:America/Los_Angeles 678:GA:America/New_York 680:NY:America/New_York
681:WV:America/New_York 682:TX:America/Chicago 686:VA:America/New_York 689:FL:America/Chicago
701:ND:America/Denver|America/North_Dakota/Center 702:NV:America/Los_Angeles
703:VA:America/New_York 704:NC:America/New_York 706:GA:America/New_York
707:CA:America/Los_Angeles 708:IL:America/Chicago 712:IA:America/Chicago 713:TX:America/Chicago
714:CA:America/Los_Angeles 715:WI:America/Chicago 716:NY:America/New_York
717:PA:America/New_York 718:NY:America/New_York 719:CO:America/Denver 720:CO:America/Denver
724:PA:America/New_York 725:NV:America/Los_Angeles 726:TX:America/Chicago
727:FL:America/New_York 728:FL:America/New_York 730:IL:America/Chicago 731:TN:America/Chicago
732:NJ:America/New_York 734:MI:America/New_York 737:TX:America/Chicago
738:CA:America/Los_Angeles 740:OH:America/New_York 743:NC:America/New_York
747:CA:America/Los_Angeles 748:CO:America/Denver 754:FL:America/New_York 757:VA:America/New_York
760:CA:America/Los_Angeles 762:GA:America/New_York 763:MN:America/Chicago
765:IN:America/New_York 769:MS:America/Chicago 770:GA:America/New_York 771:DC:America/New_York
772:FL:America/New_York 773:IL:America/Chicago 774:MA:America/New_York
775:NV:America/Boise|America/Los_Angeles 779:IL:America/Chicago 781:MA:America/New_York
785:KS:America/Chicago 786:FL:America/New_York 801:UT:America/Denver 802:VT:America/New_York
803:SC:America/New_York 804:VA:America/New_York 805:CA:America/Los_Angeles
806:TX:America/Chicago 808:HI:Pacific/Honolulu 810:MI:America/New_York 812:IN:America/New_York
813:FL:America/New_York 814:PA:America/New_York 815:IL:America/Chicago 816:MO:America/Chicago
817:TX:America/Chicago 818:CA:America/Los_Angeles 820:CA:America/Los_Angeles
821:SC:America/New_York 826:VA:America/New_York 828:NC:America/New_York 830:TX:America/Chicago
831:CA:America/Los_Angeles 832:TX:America/Chicago 835:PA:America/New_York
838:NY:America/New_York 839:SC:America/New_York 840:CA:America/Los_Angeles
843:SC:America/New_York 845:NY:America/New_York 847:IL:America/Chicago 848:NJ:America/New_York
850:FL:America/New_York 854:SC:America/New_York 856:NJ:America/New_York 857:MA:America/New_York
858:CA:America/Los_Angeles 859:KY:America/New_York 860:CT:America/New_York
862:NJ:America/New_York 863:FL:America/New_York 864:SC:America/New_York 865:TN:America/New_York
870:AR:America/Chicago 872:IL:America/Chicago 878:PA:America/New_York 901:TN:America/Chicago
903:TX:America/Chicago 904:FL:America/New_York 906:MI:America/New_York
907:AK:America/Adak|America/Anchorage 908:NJ:America/New_York 909:CA:America/Los_Angeles
910:NC:America/New_York 912:GA:America/New_York 913:KS:America/Chicago 914:NY:America/New_York
915:TX:America/Denver 916:CA:America/Los_Angeles 917:NY:America/New_York 918:OK:America/Chicago
919:NC:America/New_York 920:WI:America/Chicago 925:CA:America/Los_Angeles 928:AZ:America/Phoenix
929:NY:America/New_York 930:IN:America/New_York 931:TN:America/Chicago 934:NY:America/New_York
936:TX:America/Chicago 937:OH:America/New_York 938:AL:America/Chicago 940:TX:America/Chicago
941:FL:America/New_York 943:GA:America/New_York 945:TX:America/Chicago 947:MI:America/New_York
948:VA:America/New_York 949:CA:America/Los_Angeles 951:CA:America/Los_Angeles
952:MN:America/Chicago 954:FL:America/New_York 956:TX:America/Chicago 959:CT:America/New_York
970:CO:America/Denver 971:OR:America/Los_Angeles 972:TX:America/Chicago 973:NJ:America/New_York
975:MO:America/Chicago 978:MA:America/New_York 979:TX:America/Chicago 980:NC:America/New_York
983:CO:America/Denver 984:NC:America/New_York 985:LA:America/Chicago
986:ID:America/Boise|America/Los_Angeles 989:MI:America/New_York
"""
        )
    )
)
