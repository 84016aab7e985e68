package engine

import (
	"errors"
	"fmt"
)

// Code classifies an engine error; the HTTP API returns it as error.code.
type Code string

// Error codes.
const (
	CodeInvalid            Code = "invalid"              // malformed request
	CodeUnknownService     Code = "unknown_service"      // no such service in the catalogue
	CodeClosed             Code = "closed"               // the service is outside its opening hours
	CodeCapReached         Code = "cap_reached"          // the service's daily cap is used up
	CodeDuplicate          Code = "duplicate"            // the request conflicts with an existing one
	CodeNotAuthorised      Code = "not_authorised"       // the window may not serve that service
	CodeUnknownWindow      Code = "unknown_window"       // no such window
	CodeWindowPaused       Code = "window_paused"        // the window is paused
	CodeWindowBusy         Code = "window_busy"          // the window still has a called ticket
	CodeNoTicket           Code = "no_ticket"            // nothing waiting / no current ticket
	CodeNotFound           Code = "not_found"            // no such ticket or appointment
	CodeBadState           Code = "bad_state"            // the ticket's state does not allow the action
	CodeRecallLimit        Code = "recall_limit"         // recalled the maximum number of times
	CodePriorityNotAllowed Code = "priority_not_allowed" // the service does not take that class
	CodeRealNameRequired   Code = "real_name_required"   // the service needs an ID card
	CodePersonLimit        Code = "person_limit"         // the person's daily limit is used up
	CodeNotLeased          Code = "not_leased"           // an imported number is not in the device's lease
	CodeSlotFull           Code = "slot_full"            // the appointment slot is fully booked
	CodeBadSlot            Code = "bad_slot"             // no such slot, or it is over
	CodeBadCode            Code = "bad_code"             // an appointment code is forged, altered or expired
	CodeUnavailable        Code = "unavailable"          // storage failed; retry
)

var messages = map[Code]string{
	CodeInvalid:            "请求有误",
	CodeUnknownService:     "没有该业务",
	CodeClosed:             "该业务当前不在办理时间",
	CodeCapReached:         "该业务今日号源已取完",
	CodeDuplicate:          "重复的请求",
	CodeNotAuthorised:      "该窗口未获授权办理此业务",
	CodeUnknownWindow:      "没有该窗口",
	CodeWindowPaused:       "窗口已暂停服务",
	CodeWindowBusy:         "请先处理当前号码",
	CodeNoTicket:           "当前没有等候的号码",
	CodeNotFound:           "找不到该号码或预约",
	CodeBadState:           "当前状态不能进行此操作",
	CodeRecallLimit:        "已达到最多重呼次数",
	CodePriorityNotAllowed: "该业务不提供此优先通道",
	CodeRealNameRequired:   "该业务需刷身份证取号",
	CodePersonLimit:        "您今日该业务取号次数已达上限",
	CodeNotLeased:          "号码不在本设备的号段内",
	CodeSlotFull:           "该时段预约已满",
	CodeBadSlot:            "预约时段无效或已过",
	CodeBadCode:            "预约码无效或已过期",
	CodeUnavailable:        "系统繁忙，请稍后再试",
}

// Message returns the code's Chinese text for screens.
func (c Code) Message() string {
	if m, ok := messages[c]; ok {
		return m
	}
	return "操作失败"
}

// String returns the code.
func (c Code) String() string { return string(c) }

// Error is an engine error with a Code.
type Error struct {
	Code Code
	Msg  string // English detail
	Err  error  // cause, if any
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("engine: %s: %s: %v", e.Code, e.Msg, e.Err)
	}
	return fmt.Sprintf("engine: %s: %s", e.Code, e.Msg)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

func errf(code Code, format string, a ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, a...)}
}

// CodeOf returns the Code of an engine error, "" for nil and CodeUnavailable
// for any other error.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeUnavailable
}
