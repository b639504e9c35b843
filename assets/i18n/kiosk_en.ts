<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>BookingsPane</name>
    <message>
        <source>预约、改期、取消或重发预约码（需填写原因，记入审计）</source>
        <translation>Book, move, cancel or re-issue a code (a reason is required; it goes to the audit log)</translation>
    </message>
    <message>
        <source>业务</source>
        <translation>Service</translation>
    </message>
    <message>
        <source>卡号或身份证号</source>
        <translation>Card or ID number</translation>
    </message>
    <message>
        <source>日期</source>
        <translation>Date</translation>
    </message>
    <message>
        <source>时间</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>事项</source>
        <translation>Purpose</translation>
    </message>
    <message>
        <source>取现金额</source>
        <translation>Cash amount</translation>
    </message>
    <message>
        <source>原因</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>例如：客户经理电话预约</source>
        <translation>e.g. booked by the relationship manager by phone</translation>
    </message>
    <message>
        <source>预约</source>
        <translation>Book</translation>
    </message>
    <message>
        <source>改到所填时间</source>
        <translation>Move to the date and time above</translation>
    </message>
    <message>
        <source>取消所选预约</source>
        <translation>Cancel the selected booking</translation>
    </message>
    <message>
        <source>重发预约码</source>
        <translation>Re-issue the code</translation>
    </message>
    <message>
        <source>客户已记下，隐藏</source>
        <translation>The customer has it: hide</translation>
    </message>
    <message>
        <source>客户</source>
        <translation>Customer</translation>
    </message>
    <message>
        <source>等级</source>
        <translation>Tier</translation>
    </message>
    <message>
        <source>预约码</source>
        <translation>Code</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>State</translation>
    </message>
    <message>
        <source>号码</source>
        <translation>Number</translation>
    </message>
    <message>
        <source>已预约：预约码只显示这一次</source>
        <translation>Booked: the booking code is shown only this once</translation>
    </message>
    <message>
        <source>已改到另一天：新预约码只显示这一次，原预约码已失效</source>
        <translation>Moved to another day: the new booking code is shown only this once; the old one no longer works</translation>
    </message>
    <message>
        <source>已重发：新预约码只显示这一次，原预约码已失效</source>
        <translation>Re-issued: the new booking code is shown only this once; the old one no longer works</translation>
    </message>
    <message>
        <source>请现在告诉客户或写在预约单上。系统不保存预约码本身，此后列表中只显示 ******，无法再查看；客户遗失时可重发。</source>
        <translation>Tell the customer now or write it on their booking slip. The system does not keep the code itself: from now on lists show ****** and it cannot be looked up again; if the customer loses it, re-issue it.</translation>
    </message>
    <message>
        <source>已预约</source>
        <translation>Booked</translation>
    </message>
    <message>
        <source>已到时间，未签到</source>
        <translation>Due, not checked in</translation>
    </message>
    <message>
        <source>已签到</source>
        <translation>Checked in</translation>
    </message>
    <message>
        <source>迟到签到</source>
        <translation>Checked in late</translation>
    </message>
    <message>
        <source>已办理</source>
        <translation>Served</translation>
    </message>
    <message>
        <source>未到</source>
        <translation>Missed</translation>
    </message>
    <message>
        <source>已取消</source>
        <translation>Cancelled</translation>
    </message>
    <message>
        <source>今日预约 %1 · 已签到 %2 · 迟到 %3 · 未到 %4</source>
        <translation>Booked today %1 · checked in %2 · late %3 · missed %4</translation>
    </message>
</context>
<context>
    <name>ConsoleWindow</name>
    <message>
        <source>大堂经理控制台</source>
        <translation>Lobby manager console</translation>
    </message>
    <message>
        <source>退出登录</source>
        <translation>Sign out</translation>
    </message>
    <message>
        <source>大堂经理登录</source>
        <translation>Lobby manager sign-in</translation>
    </message>
    <message>
        <source>请输入工号和密码。只有大堂经理和管理员可以使用本控制台。</source>
        <translation>Enter your staff number and PIN. Only lobby managers and administrators can use this console.</translation>
    </message>
    <message>
        <source>工号</source>
        <translation>Staff number</translation>
    </message>
    <message>
        <source>密码</source>
        <translation>PIN</translation>
    </message>
    <message>
        <source>登录</source>
        <translation>Sign in</translation>
    </message>
    <message>
        <source>大厅</source>
        <translation>Hall</translation>
    </message>
    <message>
        <source>窗口</source>
        <translation>Counters</translation>
    </message>
    <message>
        <source>提醒</source>
        <translation>Alerts</translation>
    </message>
    <message>
        <source>主动派号</source>
        <translation>Issue for customer</translation>
    </message>
    <message>
        <source>公告</source>
        <translation>Notice</translation>
    </message>
    <message>
        <source>审计</source>
        <translation>Audit</translation>
    </message>
    <message>
        <source>数据</source>
        <translation>Figures</translation>
    </message>
    <message>
        <source>预约</source>
        <translation>Appointments</translation>
    </message>
    <message>
        <source>置顶 / 移到第几位</source>
        <translation>Pin / move to position</translation>
    </message>
    <message>
        <source>更改等级</source>
        <translation>Change tier</translation>
    </message>
    <message>
        <source>叫到窗口</source>
        <translation>Call to a counter</translation>
    </message>
    <message>
        <source>转业务</source>
        <translation>Transfer</translation>
    </message>
    <message>
        <source>取消号码</source>
        <translation>Cancel ticket</translation>
    </message>
    <message>
        <source>补打</source>
        <translation>Reprint</translation>
    </message>
    <message>
        <source>今日过号</source>
        <translation>Today's no-shows</translation>
    </message>
    <message>
        <source>号码</source>
        <translation>Number</translation>
    </message>
    <message>
        <source>业务</source>
        <translation>Service</translation>
    </message>
    <message>
        <source>客户等级</source>
        <translation>Tier</translation>
    </message>
    <message>
        <source>窗口号</source>
        <translation>Counter</translation>
    </message>
    <message>
        <source>取号时间</source>
        <translation>Issued at</translation>
    </message>
    <message>
        <source>恢复过号</source>
        <translation>Restore no-show</translation>
    </message>
    <message>
        <source>查找号码或客户</source>
        <translation>Find number or customer</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>业务（按顺序）</source>
        <translation>Services (in order)</translation>
    </message>
    <message>
        <source>登录员工</source>
        <translation>Signed in</translation>
    </message>
    <message>
        <source>当前号码</source>
        <translation>Current ticket</translation>
    </message>
    <message>
        <source>叫号时间</source>
        <translation>Called at</translation>
    </message>
    <message>
        <source>红色：窗口叫号后长时间没有下一步，可能已死机。开启、暂停、关闭或调整业务之前，会先显示调整前后的预计等候。</source>
        <translation>Red: a counter has held a called customer for long and may have crashed. Before a counter is opened, paused, closed or given other services, the estimated waits now and after the change are shown.</translation>
    </message>
    <message>
        <source>开启</source>
        <translation>Open</translation>
    </message>
    <message>
        <source>暂停</source>
        <translation>Pause</translation>
    </message>
    <message>
        <source>关闭</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>调整业务</source>
        <translation>Change services</translation>
    </message>
    <message>
        <source>时间</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>内容</source>
        <translation>Details</translation>
    </message>
    <message>
        <source>确认所选提醒</source>
        <translation>Acknowledge selected</translation>
    </message>
    <message>
        <source>确认全部已解除的提醒</source>
        <translation>Acknowledge all that are over</translation>
    </message>
    <message>
        <source>为客户取号（主动派号）</source>
        <translation>Issue a number for a customer</translation>
    </message>
    <message>
        <source>卡号或身份证号（可不填）</source>
        <translation>Card or ID number (optional)</translation>
    </message>
    <message>
        <source>打印</source>
        <translation>Print</translation>
    </message>
    <message>
        <source>原因</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>例如：老年客户，代为取号</source>
        <translation>e.g. elderly customer, number taken for them</translation>
    </message>
    <message>
        <source>派号</source>
        <translation>Issue</translation>
    </message>
    <message>
        <source>中文公告</source>
        <translation>Notice in Chinese</translation>
    </message>
    <message>
        <source>英文公告</source>
        <translation>Notice in English</translation>
    </message>
    <message>
        <source>发布到大屏</source>
        <translation>Post to the hall display</translation>
    </message>
    <message>
        <source>操作</source>
        <translation>Action</translation>
    </message>
    <message>
        <source>从</source>
        <translation>From</translation>
    </message>
    <message>
        <source>到</source>
        <translation>To</translation>
    </message>
    <message>
        <source>查询</source>
        <translation>Search</translation>
    </message>
    <message>
        <source>导出 CSV</source>
        <translation>Export CSV</translation>
    </message>
    <message>
        <source>员工</source>
        <translation>Staff</translation>
    </message>
    <message>
        <source>之前</source>
        <translation>Before</translation>
    </message>
    <message>
        <source>之后</source>
        <translation>After</translation>
    </message>
    <message>
        <source>全部业务</source>
        <translation>All services</translation>
    </message>
    <message>
        <source>全部等级</source>
        <translation>All tiers</translation>
    </message>
    <message>
        <source>按客户档案（未登记为普通）</source>
        <translation>From the customer directory (else regular)</translation>
    </message>
    <message>
        <source>不打印：显示号码，由客户记下</source>
        <translation>No printing: show the number for the customer to note</translation>
    </message>
    <message>
        <source>在 %1 打印</source>
        <translation>Print on %1</translation>
    </message>
    <message>
        <source>（无心跳）</source>
        <translation> (silent)</translation>
    </message>
    <message>
        <source>全部操作</source>
        <translation>All actions</translation>
    </message>
    <message>
        <source>置顶</source>
        <translation>Pin</translation>
    </message>
    <message>
        <source>插队叫号</source>
        <translation>Call out of turn</translation>
    </message>
    <message>
        <source>开启窗口</source>
        <translation>Open counter</translation>
    </message>
    <message>
        <source>暂停窗口</source>
        <translation>Pause counter</translation>
    </message>
    <message>
        <source>关闭窗口</source>
        <translation>Close counter</translation>
    </message>
    <message>
        <source>调整窗口业务</source>
        <translation>Change a counter's services</translation>
    </message>
    <message>
        <source>客户离开排队</source>
        <translation>Customer left the queue</translation>
    </message>
    <message>
        <source>新建预约</source>
        <translation>Booking made</translation>
    </message>
    <message>
        <source>预约改期</source>
        <translation>Booking moved</translation>
    </message>
    <message>
        <source>取消预约</source>
        <translation>Booking cancelled</translation>
    </message>
    <message>
        <source>重发预约码</source>
        <translation>Booking code re-issued</translation>
    </message>
    <message>
        <source>在线</source>
        <translation>Online</translation>
    </message>
    <message>
        <source>离线：正在重连</source>
        <translation>Offline: reconnecting</translation>
    </message>
    <message>
        <source>操作未执行：该时段是窗口休息时间，不再接受此业务的预约；下一个可预约时段是 %1。</source>
        <translation>Not done: that slot is during the counters' break and takes no more bookings of this service; the next free slot is %1.</translation>
    </message>
    <message>
        <source>操作未执行：该时段是窗口休息时间，不再接受此业务的预约；当天之后没有可预约的时段。</source>
        <translation>Not done: that slot is during the counters' break and takes no more bookings of this service; no later slot that day is free.</translation>
    </message>
    <message>
        <source>操作未执行：该时段在网点最繁忙的时间，此业务的预约名额已满；下一个可预约时段是 %1。</source>
        <translation>Not done: that slot is in one of the branch's busiest hours and its bookings of this service are taken; the next free slot is %1.</translation>
    </message>
    <message>
        <source>操作未执行：该时段在网点最繁忙的时间，此业务的预约名额已满；当天之后没有可预约的时段。</source>
        <translation>Not done: that slot is in one of the branch's busiest hours and its bookings of this service are taken; no later slot that day is free.</translation>
    </message>
    <message>
        <source>工号或密码错误。</source>
        <translation>Wrong staff number or PIN.</translation>
    </message>
    <message>
        <source>该账号因多次输错密码已被锁定，请稍后再试或联系管理员。</source>
        <translation>This account is locked after too many wrong PINs; try again later or ask an administrator.</translation>
    </message>
    <message>
        <source>需要大堂经理或管理员账号：柜员账号不能使用大堂经理控制台。</source>
        <translation>A lobby manager or administrator account is needed: a teller account cannot use the manager console.</translation>
    </message>
    <message>
        <source>请写明原因：每一项调整都记入审计日志，没有原因不能执行。</source>
        <translation>Please give a reason: every override is written to the audit log and none is made without one.</translation>
    </message>
    <message>
        <source>操作未执行：</source>
        <translation>Not done:</translation>
    </message>
    <message>
        <source>卡号或身份证号无效，请核对后重新输入。</source>
        <translation>The card or ID number is not valid; please check it and type it again.</translation>
    </message>
    <message>
        <source>连不上数据库，操作未执行；恢复后请重试。</source>
        <translation>The database cannot be reached; nothing was done. Try again when it is back.</translation>
    </message>
    <message>
        <source>操作未执行：发生意外错误，详情已记入日志。</source>
        <translation>Not done: an unexpected error; details are in the log.</translation>
    </message>
    <message>
        <source>有 %1 条记录无法读取，未计入以上数据（详情见日志）。</source>
        <translation>Unreadable rows of the database left out of these figures: %1 (details in the log).</translation>
    </message>
    <message>
        <source>连不上数据库，数据暂未更新；恢复后自动更新。</source>
        <translation>Cannot reach the database: the figures are not up to date; they update by themselves once it is back.</translation>
    </message>
    <message>
        <source>数据暂未更新：</source>
        <translation>The figures are not up to date:</translation>
    </message>
    <message>
        <source>等候 %1 人</source>
        <translation>%1 waiting</translation>
    </message>
    <message>
        <source>已叫号</source>
        <translation>called</translation>
    </message>
    <message>
        <source>办理中</source>
        <translation>being served</translation>
    </message>
    <message>
        <source>贵宾到店</source>
        <translation>VIP arrival</translation>
    </message>
    <message>
        <source>取号机缺纸</source>
        <translation>Kiosk out of paper</translation>
    </message>
    <message>
        <source>打印机离线</source>
        <translation>Printer offline</translation>
    </message>
    <message>
        <source>读卡器离线</source>
        <translation>Card reader offline</translation>
    </message>
    <message>
        <source>设备无心跳</source>
        <translation>Station silent</translation>
    </message>
    <message>
        <source>即将超时</source>
        <translation>Near target wait</translation>
    </message>
    <message>
        <source>已超时</source>
        <translation>Past target wait</translation>
    </message>
    <message>
        <source>客户经理 %1</source>
        <translation>relationship manager %1</translation>
    </message>
    <message>
        <source>已等 %1，目标 %2</source>
        <translation>waited %1, target %2</translation>
    </message>
    <message>
        <source>已解除，待确认</source>
        <translation>Over, to acknowledge</translation>
    </message>
    <message>
        <source>待处理</source>
        <translation>Open</translation>
    </message>
    <message>
        <source>大屏当前公告：</source>
        <translation>On the hall display now: </translation>
    </message>
    <message>
        <source>已预约</source>
        <translation>Booked</translation>
    </message>
    <message>
        <source>请先在列表中选中一个预约。</source>
        <translation>Select a booking in the list first.</translation>
    </message>
    <message>
        <source>预约已改期</source>
        <translation>Booking moved</translation>
    </message>
    <message>
        <source>预约已取消</source>
        <translation>Booking cancelled</translation>
    </message>
    <message>
        <source>已重发预约码，原预约码已失效</source>
        <translation>A new booking code is issued; the old one no longer works</translation>
    </message>
    <message>
        <source>请先在列表中选中一个号码。</source>
        <translation>Select a number in the list first.</translation>
    </message>
    <message>
        <source>位置（1 = 下一个）</source>
        <translation>Position (1 = next)</translation>
    </message>
    <message>
        <source>已调整 %1 的位置。</source>
        <translation>%1 is moved.</translation>
    </message>
    <message>
        <source>新等级</source>
        <translation>New tier</translation>
    </message>
    <message>
        <source>已更改 %1 的等级。</source>
        <translation>%1's tier is changed.</translation>
    </message>
    <message>
        <source>叫到窗口（插队）</source>
        <translation>Call to a counter (out of turn)</translation>
    </message>
    <message>
        <source>已叫 %1 到窗口。</source>
        <translation>%1 is called to the counter.</translation>
    </message>
    <message>
        <source>转到业务</source>
        <translation>To service</translation>
    </message>
    <message>
        <source>排在</source>
        <translation>Place</translation>
    </message>
    <message>
        <source>按原取号时间（规则）</source>
        <translation>By original arrival (the rule)</translation>
    </message>
    <message>
        <source>最前面</source>
        <translation>First</translation>
    </message>
    <message>
        <source>最后面</source>
        <translation>Last</translation>
    </message>
    <message>
        <source>已转 %1。</source>
        <translation>%1 is transferred.</translation>
    </message>
    <message>
        <source>已取消 %1。</source>
        <translation>%1 is cancelled.</translation>
    </message>
    <message>
        <source>没有取号机在线，无法补打。</source>
        <translation>No kiosk is reporting; nothing to reprint on.</translation>
    </message>
    <message>
        <source>在取号机上补打</source>
        <translation>Reprint on a kiosk</translation>
    </message>
    <message>
        <source>取号机</source>
        <translation>Kiosk</translation>
    </message>
    <message>
        <source>已发送到取号机打印。</source>
        <translation>Sent to the kiosk to print.</translation>
    </message>
    <message>
        <source>请先在今日过号中选中一个号码。</source>
        <translation>Select a number in today's no-shows first.</translation>
    </message>
    <message>
        <source>%1 已恢复排队。</source>
        <translation>%1 is back in the queue.</translation>
    </message>
    <message>
        <source>请先选中一个窗口。</source>
        <translation>Select a counter first.</translation>
    </message>
    <message>
        <source>%1 正在使用</source>
        <translation>worked by %1</translation>
    </message>
    <message>
        <source>窗口 %1 已更新。</source>
        <translation>Counter %1 is updated.</translation>
    </message>
    <message>
        <source>已发送到 %1 打印</source>
        <translation>sent to %1 to print</translation>
    </message>
    <message>
        <source>请客户记下号码</source>
        <translation>the customer notes the number</translation>
    </message>
    <message>
        <source>已派号 %1。</source>
        <translation>Issued %1.</translation>
    </message>
    <message>
        <source>公告已发布到大屏。</source>
        <translation>The notice is on the hall display.</translation>
    </message>
    <message>
        <source>请先选中一条提醒。</source>
        <translation>Select an alert first.</translation>
    </message>
    <message>
        <source>已导出 %1 条到 %2</source>
        <translation>%1 rows exported to %2</translation>
    </message>
</context>
<context>
    <name>CounterDialog</name>
    <message>
        <source>业务（按优先顺序）</source>
        <translation>Services (in preference order)</translation>
    </message>
    <message>
        <source>假如：各业务预计等候（现在 → 调整后）</source>
        <translation>What if: estimated wait per service (now → after the change)</translation>
    </message>
    <message>
        <source>业务</source>
        <translation>Service</translation>
    </message>
    <message>
        <source>等候人数</source>
        <translation>Waiting</translation>
    </message>
    <message>
        <source>新取号预计等候</source>
        <translation>New number (now)</translation>
    </message>
    <message>
        <source>调整后</source>
        <translation>After</translation>
    </message>
    <message>
        <source>排队中最长等候</source>
        <translation>Longest in queue</translation>
    </message>
    <message>
        <source>正在计算…</source>
        <translation>Calculating…</translation>
    </message>
    <message>
        <source>原因（调整他人正在使用的窗口时必填）</source>
        <translation>Reason (required for a counter someone else is working)</translation>
    </message>
    <message>
        <source>调整后有业务等候变长（红色），或无人办理（—）。</source>
        <translation>After the change some services wait longer (red) or have no counter (—).</translation>
    </message>
    <message>
        <source>按与取号机相同的预测计算；调整尚未执行。</source>
        <translation>Same forecast as the kiosk; nothing is changed yet.</translation>
    </message>
</context>
<context>
    <name>EntryScreen</name>
    <message>
        <source>请输入大堂经理工号</source>
        <translation>Lobby manager&apos;s staff number</translation>
    </message>
    <message>
        <source>请输入大堂经理密码</source>
        <translation>Lobby manager&apos;s PIN</translation>
    </message>
    <message>
        <source>请输入身份证号、银行卡号或 6 位预约码</source>
        <translation>Enter your ID number, card number or 6-digit booking code</translation>
    </message>
    <message>
        <source>确定</source>
        <translation>OK</translation>
    </message>
    <message>
        <source>返回</source>
        <translation>Back</translation>
    </message>
</context>
<context>
    <name>FiguresPane</name>
    <message>
        <source>今日数据</source>
        <translation>Today&apos;s figures</translation>
    </message>
    <message>
        <source>今日取号</source>
        <translation>Tickets today</translation>
    </message>
    <message>
        <source>已办结</source>
        <translation>Served</translation>
    </message>
    <message>
        <source>正在等候</source>
        <translation>Waiting now</translation>
    </message>
    <message>
        <source>平均等候</source>
        <translation>Mean wait</translation>
    </message>
    <message>
        <source>95% 等候不超过</source>
        <translation>95% waited at most</translation>
    </message>
    <message>
        <source>目标时间内叫号</source>
        <translation>Called within target</translation>
    </message>
    <message>
        <source>过号率</source>
        <translation>No-shows</translation>
    </message>
    <message>
        <source>业务</source>
        <translation>Service</translation>
    </message>
    <message>
        <source>取号</source>
        <comment>column</comment>
        <translation>Arrived</translation>
    </message>
    <message>
        <source>已办结</source>
        <comment>column</comment>
        <translation>Served</translation>
    </message>
    <message>
        <source>正在等候</source>
        <comment>column</comment>
        <translation>Waiting
now</translation>
    </message>
    <message>
        <source>过号率</source>
        <comment>column</comment>
        <translation>No-show
rate</translation>
    </message>
    <message>
        <source>平均等候</source>
        <comment>column</comment>
        <translation>Mean
wait</translation>
    </message>
    <message>
        <source>95% 等候</source>
        <comment>column</comment>
        <translation>p95
wait</translation>
    </message>
    <message>
        <source>目标内叫号</source>
        <comment>column</comment>
        <translation>Within
target</translation>
    </message>
    <message>
        <source>客户等级</source>
        <translation>Tier</translation>
    </message>
    <message>
        <source>预约</source>
        <translation>Appointments</translation>
    </message>
    <message>
        <source>预约</source>
        <comment>column</comment>
        <translation>Booked</translation>
    </message>
    <message>
        <source>按时签到</source>
        <comment>column</comment>
        <translation>Kept</translation>
    </message>
    <message>
        <source>迟到</source>
        <comment>column</comment>
        <translation>Late</translation>
    </message>
    <message>
        <source>未到</source>
        <comment>column</comment>
        <translation>Missed</translation>
    </message>
    <message>
        <source>5 分钟内叫号</source>
        <comment>column</comment>
        <translation>Called
within 5 min</translation>
    </message>
    <message>
        <source>合计</source>
        <translation>Total</translation>
    </message>
    <message>
        <source>更新于 %1</source>
        <translation>Updated %1</translation>
    </message>
    <message>
        <source>正在读取…</source>
        <translation>Reading…</translation>
    </message>
</context>
<context>
    <name>HallTableModel</name>
    <message>
        <source>号码</source>
        <translation>Number</translation>
    </message>
    <message>
        <source>业务</source>
        <translation>Service</translation>
    </message>
    <message>
        <source>客户等级</source>
        <translation>Tier</translation>
    </message>
    <message>
        <source>客户</source>
        <translation>Customer</translation>
    </message>
    <message>
        <source>已等</source>
        <translation>Waited</translation>
    </message>
    <message>
        <source>预计等候</source>
        <translation>Estimated wait</translation>
    </message>
    <message>
        <source>置顶位置</source>
        <translation>Pinned</translation>
    </message>
</context>
<context>
    <name>HomeScreen</name>
    <message>
        <source>请刷卡或插入身份证</source>
        <translation>Please swipe your card or insert your ID card</translation>
    </message>
    <message>
        <source>贵宾客户刷卡后可优先办理；预约客户请刷卡或输入预约码</source>
        <translation>VIP customers: swipe your card for priority service. Booked? Swipe your card or enter your booking code</translation>
    </message>
    <message>
        <source>输入身份证号、卡号或预约码</source>
        <translation>Type your ID, card or booking code</translation>
    </message>
    <message>
        <source>不刷卡取号</source>
        <translation>Take a number without a card</translation>
    </message>
</context>
<context>
    <name>IdentifiedScreen</name>
    <message>
        <source>选择业务</source>
        <translation>Choose a service</translation>
    </message>
    <message>
        <source>尊敬的{tier}客户</source>
        <translation>Welcome, valued {tier} customer</translation>
    </message>
    <message>
        <source>{tier}客户 · 优先办理</source>
        <translation>{tier} customer · priority service</translation>
    </message>
    <message>
        <source>您的到来已通知大堂经理</source>
        <translation>Our lobby manager has been told you are here</translation>
    </message>
    <message>
        <source>欢迎光临</source>
        <translation>Welcome</translation>
    </message>
    <message>
        <source>{name}，您好</source>
        <translation>Hello, {name}</translation>
    </message>
</context>
<context>
    <name>KioskWindow</name>
    <message>
        <source>大字</source>
        <translation>Large text</translation>
    </message>
    <message>
        <source>该工号已锁定，请稍后再试</source>
        <translation>This staff number is locked; please try again later</translation>
    </message>
    <message>
        <source>工号或密码错误，请重试</source>
        <translation>Wrong staff number or PIN; please try again</translation>
    </message>
</context>
<context>
    <name>MessageScreen</name>
    <message>
        <source>未能读取您的卡片</source>
        <translation>Your card could not be read</translation>
    </message>
    <message>
        <source>请将卡片磁条朝向读卡器，匀速重新刷卡一次；也可以输入卡号或不刷卡取号。</source>
        <translation>Please swipe it again at an even speed, stripe towards the reader. You can also type the card number or take a number without a card.</translation>
    </message>
    <message>
        <source>号码有误</source>
        <translation>That number is not right</translation>
    </message>
    <message>
        <source>您输入的身份证号或卡号不正确，请核对后重新输入。</source>
        <translation>The ID or card number you typed is not valid. Please check it and type it again.</translation>
    </message>
    <message>
        <source>该业务现在不能取号</source>
        <translation>This service is not taking numbers now</translation>
    </message>
    <message>
        <source>请选择其他业务，或咨询大堂经理。</source>
        <translation>Please choose another service, or ask the lobby manager.</translation>
    </message>
    <message>
        <source>暂时无法取号</source>
        <translation>No numbers can be issued right now</translation>
    </message>
    <message>
        <source>请稍后再试，或请大堂经理为您取号。</source>
        <translation>Please try again in a moment, or ask the lobby manager for a number.</translation>
    </message>
    <message>
        <source>没有找到今天的预约</source>
        <translation>No booking found for today</translation>
    </message>
    <message>
        <source>请核对 6 位预约码后重新输入，或不刷卡取号；大堂经理也可以帮您查询。</source>
        <translation>Please check the 6-digit booking code and enter it again, or take a number without a card; the lobby manager can also look it up for you.</translation>
    </message>
    <message>
        <source>您的预约不是今天</source>
        <translation>Your booking is not for today</translation>
    </message>
    <message>
        <source>这个预约码是其他日期的预约。今天办理业务请不刷卡取号，或咨询大堂经理。</source>
        <translation>This code is a booking for another day. To be served today, please take a number without a card, or ask the lobby manager.</translation>
    </message>
    <message>
        <source>这个预约已取消</source>
        <translation>This booking was cancelled</translation>
    </message>
    <message>
        <source>今天办理业务请不刷卡取号，或咨询大堂经理。</source>
        <translation>To be served today, please take a number without a card, or ask the lobby manager.</translation>
    </message>
    <message>
        <source>这个预约已经使用过</source>
        <translation>This booking has been used already</translation>
    </message>
    <message>
        <source>请稍后再输入预约码</source>
        <translation>Please type a booking code later</translation>
    </message>
    <message>
        <source>这里输错的预约码太多了。请刷卡或身份证签到，或请大堂经理帮您查询。</source>
        <translation>Too many wrong booking codes were typed here. Please check in with your card or ID, or ask the lobby manager.</translation>
    </message>
    <message>
        <source>重新输入</source>
        <translation>Type it again</translation>
    </message>
    <message>
        <source>不刷卡取号</source>
        <translation>Take a number without a card</translation>
    </message>
    <message>
        <source>返回首页</source>
        <translation>Back to start</translation>
    </message>
</context>
<context>
    <name>OutOfServiceScreen</name>
    <message>
        <source>本机暂停服务</source>
        <translation>This machine is paused</translation>
    </message>
    <message>
        <source>系统正在恢复，请稍候片刻，或请大堂经理为您取号。</source>
        <translation>The system is recovering. Please wait a moment, or ask the lobby manager for a number.</translation>
    </message>
    <message>
        <source>正在自动重新连接……</source>
        <translation>Reconnecting automatically…</translation>
    </message>
</context>
<context>
    <name>ReasonDialog</name>
    <message>
        <source>写明原因（记入审计日志）</source>
        <translation>Why (written to the audit log)</translation>
    </message>
    <message>
        <source>确定</source>
        <translation>OK</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>原因（必填）</source>
        <translation>Reason (required)</translation>
    </message>
    <message>
        <source>原因</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>请写明原因：每一项调整都记入审计日志，没有原因不能执行。</source>
        <translation>Please give a reason: every override is written to the audit log and none is made without one.</translation>
    </message>
</context>
<context>
    <name>ResultScreen</name>
    <message>
        <source>{s} 秒后自动返回首页</source>
        <translation>Back to the start in {s} seconds</translation>
    </message>
    <message>
        <source>完成</source>
        <translation>Done</translation>
    </message>
    <message>
        <source>您的号码</source>
        <translation>Your number</translation>
    </message>
    <message>
        <source>前面没有人等候，请留意叫号</source>
        <translation>You are next. Please listen for your number</translation>
    </message>
    <message>
        <source>前面超过 {n} 人</source>
        <translation>More than {n} ahead of you</translation>
    </message>
    <message>
        <source>预计等候 {n} 小时以上</source>
        <translation>Wait over {n} hours</translation>
    </message>
    <message>
        <source>预计等候 {n} 分钟以上</source>
        <translation>Wait over {n} min</translation>
    </message>
    <message>
        <source>前面还有 {n} 人</source>
        <translation>{n} ahead of you</translation>
    </message>
    <message>
        <source>预计等候约 {m} 分钟</source>
        <translation>About {m} min wait</translation>
    </message>
    <message>
        <source>您预约的 {t} 已过时，已为您取普通号码，我们会尽快为您办理</source>
        <translation>Your {t} booking has passed, so this is a regular number; we will serve you as soon as we can</translation>
    </message>
    <message>
        <source>您预约了 {t} {service}</source>
        <translation>You booked {t} {service}</translation>
    </message>
    <message>
        <source>到 {t} 时优先为您叫号，请在大厅稍候</source>
        <translation>You will be called at {t}; please take a seat in the hall</translation>
    </message>
    <message>
        <source>请稍候，我们会优先为您叫号</source>
        <translation>Please wait a moment: you will be called first</translation>
    </message>
    <message>
        <source>手机扫码，保存您的号码</source>
        <translation>Scan with your phone to keep your number</translation>
    </message>
    <message>
        <source>已为您重新打印号票，请取票</source>
        <translation>Your ticket was printed again. Please take it</translation>
    </message>
    <message>
        <source>请取走号票，留意叫号</source>
        <translation>Please take your ticket and listen for your number</translation>
    </message>
    <message>
        <source>号票未能打印（打印机缺纸）。您的号码仍然有效，请记住号码或用手机扫描右侧二维码。已通知大堂经理。</source>
        <translation>The ticket could not be printed (out of paper). Your number is valid: remember it or scan the QR code with your phone. The lobby manager has been told.</translation>
    </message>
    <message>
        <source>号票未能打印（打印机故障）。您的号码仍然有效，请记住号码或用手机扫描右侧二维码。已通知大堂经理。</source>
        <translation>The ticket could not be printed (printer fault). Your number is valid: remember it or scan the QR code with your phone. The lobby manager has been told.</translation>
    </message>
</context>
<context>
    <name>ServicesScreen</name>
    <message>
        <source>请选择您要办理的业务</source>
        <translation>Please choose a service</translation>
    </message>
    <message>
        <source>返回首页</source>
        <translation>Back to start</translation>
    </message>
    <message>
        <source>尊敬的{tier}客户 {name}</source>
        <translation>Welcome, {tier} customer {name}</translation>
    </message>
    <message>
        <source>温馨提示：</source>
        <translation>Tip: </translation>
    </message>
    <message>
        <source>{time} 停止取号</source>
        <translation>No more numbers after {time}</translation>
    </message>
    <message>
        <source>{time} 开始取号</source>
        <translation>Numbers from {time}</translation>
    </message>
    <message>
        <source>暂停办理，请咨询大堂经理</source>
        <translation>Paused: please ask the lobby manager</translation>
    </message>
    <message>
        <source>无需等候</source>
        <translation>No wait</translation>
    </message>
    <message>
        <source>等候 {n} 人</source>
        <translation>{n} waiting</translation>
    </message>
    <message>
        <source>，{n} 小时以上</source>
        <translation>, over {n} hours</translation>
    </message>
    <message>
        <source>，{n} 分钟以上</source>
        <translation>, over {n} min</translation>
    </message>
    <message>
        <source>，约 {m} 分钟</source>
        <translation>, about {m} min</translation>
    </message>
</context>
</TS>
